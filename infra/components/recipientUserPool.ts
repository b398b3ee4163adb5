/**
 * The recipients' Cognito user pool and the app client of the recipient API: users are created by administrators
 * only, must use MFA, and carry a `custom:tenants` attribute (the tenants they may read) that they cannot write.
 * The recipient API's authoriser accepts the pool's ID tokens and hands the claim to the recipient function.
 *
 * The pool is named like the component (`<name>`), the client `<name>-client`: the serving layer names it
 * `<layer>-user-pool`, the names they had when the layer created them directly.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { LayerPartArgs, childOptions } from "../lib/component";
import { Tags, layerTags } from "../lib/tags";
import { checkNamePrefix, required } from "../lib/validate";

const COMPONENT = "RecipientUserPool";
export const RECIPIENT_USER_POOL_TYPE = "e2ee:pipeline:RecipientUserPool";

export interface RecipientUserPoolArgs extends LayerPartArgs {
    /** Prefix of the physical names: pool `<namePrefix>-recipients`, client `<namePrefix>-recipient-api`. Required. */
    readonly namePrefix: string;
    /** Extra tags of the pool. Default none. */
    readonly tags?: Tags;
}

/** Checks `args` (throws `RecipientUserPool: argument "<name>" ...`). */
export function validateRecipientUserPoolArgs(args: RecipientUserPoolArgs): { readonly namePrefix: string } {
    const a = required(COMPONENT, "args", args);
    required(COMPONENT, "layer", a.layer);
    return { namePrefix: checkNamePrefix(COMPONENT, a.namePrefix) };
}

export class RecipientUserPool extends pulumi.ComponentResource {
    public readonly userPoolArn: pulumi.Output<string>;
    public readonly userPoolId: pulumi.Output<string>;
    public readonly userPoolClientId: pulumi.Output<string>;

    constructor(name: string, args: RecipientUserPoolArgs, opts?: pulumi.ComponentResourceOptions) {
        const { namePrefix } = validateRecipientUserPoolArgs(args);
        super(RECIPIENT_USER_POOL_TYPE, name, {}, opts);

        const pool = new aws.cognito.UserPool(
            name,
            {
                name: `${namePrefix}-recipients`,
                deletionProtection: "ACTIVE",
                adminCreateUserConfig: { allowAdminCreateUserOnly: true },
                mfaConfiguration: "ON",
                softwareTokenMfaConfiguration: { enabled: true },
                usernameAttributes: ["email"],
                autoVerifiedAttributes: ["email"],
                accountRecoverySetting: { recoveryMechanisms: [{ name: "verified_email", priority: 1 }] },
                passwordPolicy: {
                    minimumLength: 14,
                    requireLowercase: true,
                    requireUppercase: true,
                    requireNumbers: true,
                    requireSymbols: true,
                    temporaryPasswordValidityDays: 1,
                    passwordHistorySize: 5,
                },
                schemas: [
                    {
                        // Comma-separated tenants the user may read; set by administrators only (see the client's writeAttributes).
                        name: "tenants",
                        attributeDataType: "String",
                        mutable: true,
                        developerOnlyAttribute: false,
                        required: false,
                        stringAttributeConstraints: { minLength: "1", maxLength: "2048" },
                    },
                ],
                tags: layerTags(args.tags, args.layer),
            },
            childOptions(this, args.formerParent),
        );
        const client = new aws.cognito.UserPoolClient(
            `${name}-client`,
            {
                name: `${namePrefix}-recipient-api`,
                userPoolId: pool.id,
                generateSecret: false,
                explicitAuthFlows: ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                preventUserExistenceErrors: "ENABLED",
                enableTokenRevocation: true,
                idTokenValidity: 15,
                accessTokenValidity: 15,
                refreshTokenValidity: 12,
                tokenValidityUnits: { idToken: "minutes", accessToken: "minutes", refreshToken: "hours" },
                readAttributes: ["email", "email_verified", "custom:tenants"],
                writeAttributes: ["email"],
            },
            childOptions(this, args.formerParent),
        );

        this.userPoolArn = pool.arn;
        this.userPoolId = pool.id;
        this.userPoolClientId = client.id;
        this.registerOutputs({ userPoolArn: this.userPoolArn, userPoolId: this.userPoolId, userPoolClientId: this.userPoolClientId });
    }
}
