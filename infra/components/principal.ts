/**
 * A principal of the pipeline: its IAM role, created before the keys so that the records key's policy can name it
 * and wait for it (KMS refuses a key policy whose principals do not exist yet), and then given to the layer that
 * grants it its permissions. `producerPrincipal` and `recipientPrincipal` build the two principals the records key
 * knows: the only role that may create data keys and the only role that may decrypt.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PRINCIPAL_ROLES, PrincipalRole } from "../../policies/conventions";
import { FormerParent, LayerPartArgs, childOptions } from "../lib/component";
import { LayerArgs, ValidLayerArgs, accountEnvironment, validateLayerArgs } from "../lib/layer";
import { functionRoleDescription } from "../lib/lambda";
import { roleArn } from "../lib/policy";
import { RoleTrust, principalRoleArgs, principalRoleName } from "../lib/principal";
import { checkOneOf, required } from "../lib/validate";

const COMPONENT = "Principal";
export const PRINCIPAL_TYPE = "e2ee:pipeline:Principal";

export interface PrincipalArgs extends LayerArgs, LayerPartArgs {
    /** Which principal: the role's name is `<namePrefix>-<principal>`, its `e2ee:principal-role` tag is `principal`. Required. */
    readonly principal: PrincipalRole;
    /** Description of the role. Required. */
    readonly description: string;
    /** Who may assume the role: an AWS service, or named principals with an external id (16+ characters, no `*`). Required. */
    readonly trust: RoleTrust;
}

/** `PrincipalArgs` once checked. */
export interface ValidPrincipalArgs extends ValidLayerArgs {
    readonly principal: PrincipalRole;
    readonly roleName: string;
}

/** Checks `args` (throws `Principal: argument "<name>" ...`). */
export function validatePrincipalArgs(args: PrincipalArgs): ValidPrincipalArgs {
    const base = validateLayerArgs(COMPONENT, args);
    const principal = checkOneOf(COMPONENT, "principal", required(COMPONENT, "principal", args.principal), PRINCIPAL_ROLES);
    required(COMPONENT, "layer", args.layer);
    required(COMPONENT, "description", args.description);
    const trust = required(COMPONENT, "trust", args.trust);
    if ("service" in trust) {
        required(COMPONENT, "trust.service", trust.service);
    } else {
        const principals = required(COMPONENT, "trust.principalArns", trust.principalArns);
        if (principals.length === 0) throw new Error(`${COMPONENT}: argument "trust.principalArns" must not be empty`);
        if (principals.some((p) => p === "*")) throw new Error(`${COMPONENT}: argument "trust.principalArns" must name principals, not "*"`);
        const externalId = required(COMPONENT, "trust.externalId", trust.externalId);
        if (typeof externalId === "string" && externalId.length < 16) {
            throw new Error(`${COMPONENT}: argument "trust.externalId" must be at least 16 characters`);
        }
    }
    return { ...base, principal, roleName: principalRoleName(base.namePrefix, principal) };
}

export class Principal extends pulumi.ComponentResource {
    public readonly role: aws.iam.Role;
    /** `<namePrefix>-<principal>`, known before deployment. */
    public readonly roleName: string;
    /** The role's ARN, built from its name: known before deployment. */
    public readonly roleArn: pulumi.Output<string>;

    constructor(name: string, args: PrincipalArgs, opts?: pulumi.ComponentResourceOptions) {
        const v = validatePrincipalArgs(args);
        super(PRINCIPAL_TYPE, name, {}, opts);
        const { accountId, partition } = accountEnvironment(this, args);
        this.role = new aws.iam.Role(
            `${name}-role`,
            principalRoleArgs({
                namePrefix: v.namePrefix,
                principal: v.principal,
                layer: args.layer,
                description: args.description,
                trust: args.trust,
                accountId,
                tags: v.tags,
            }),
            childOptions(this, args.formerParent),
        );
        this.roleName = v.roleName;
        this.roleArn = roleArn(partition, accountId, v.roleName);
        this.registerOutputs({ roleName: this.roleName, roleArn: this.roleArn });
    }
}

/** The producer's trust: the producer application's principals, presenting an external id. */
export interface ProducerTrust {
    /** Principals allowed to assume the producer role, e.g. the producer application's role ARN. Required, non-empty, no `*`. */
    readonly principalArns: readonly pulumi.Input<string>[];
    /** `sts:ExternalId` the producer presents (16+ characters). Required. */
    readonly externalId: pulumi.Input<string>;
}

/**
 * The producer (layer `ingestion`): encrypts records with data keys from the records key and submits them to the
 * ingestion API. The only principal the records key lets create data keys.
 */
export function producerPrincipal(
    name: string,
    args: LayerArgs & { readonly trust: ProducerTrust; readonly formerParent?: FormerParent },
    opts?: pulumi.ComponentResourceOptions,
): Principal {
    return new Principal(
        name,
        {
            ...args,
            principal: "producer",
            layer: "ingestion",
            description: "Producer: encrypts records with data keys from the records key and submits them to the ingestion API.",
        },
        opts,
    );
}

/**
 * The recipient (layer `serving`): the execution role of the recipient function, the only principal the records
 * key lets decrypt.
 */
export function recipientPrincipal(name: string, args: LayerArgs & { readonly formerParent?: FormerParent }, opts?: pulumi.ComponentResourceOptions): Principal {
    return new Principal(
        name,
        {
            ...args,
            principal: "recipient",
            layer: "serving",
            description: functionRoleDescription(args.namePrefix, "recipient"),
            trust: { service: "lambda.amazonaws.com" },
        },
        opts,
    );
}
