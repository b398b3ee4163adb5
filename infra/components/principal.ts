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
import { RoleTrust, WebIdentityTrust, principalRoleArgs, principalRoleName } from "../lib/principal";
import { OIDC_PROVIDER_ARN, checkKubernetesName, checkOneOf, checkPattern, required } from "../lib/validate";

const COMPONENT = "Principal";
export const PRINCIPAL_TYPE = "e2ee:pipeline:Principal";

export interface PrincipalArgs extends LayerArgs, LayerPartArgs {
    /** Which principal: the role's name is `<namePrefix>-<principal>`, its `e2ee:principal-role` tag is `principal`. Required. */
    readonly principal: PrincipalRole;
    /** Description of the role. Required. */
    readonly description: string;
    /**
     * Who may assume the role: an AWS service, named principals with an external id (16+ characters, no `*`), or a
     * Kubernetes service account through an EKS cluster's OIDC provider. Required.
     */
    readonly trust: RoleTrust;
    /** The role's name: 1-64 of IAM's name characters. Default `<namePrefix>-<principal>`. */
    readonly roleName?: string;
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
    } else if ("webIdentity" in trust) {
        const w = required(COMPONENT, "trust.webIdentity", trust.webIdentity);
        checkPattern(COMPONENT, "trust.webIdentity.providerArn", required(COMPONENT, "trust.webIdentity.providerArn", w.providerArn), OIDC_PROVIDER_ARN, "an IAM OIDC provider ARN (arn:aws:iam::<account>:oidc-provider/<issuer>)");
        checkKubernetesName(COMPONENT, "trust.webIdentity.namespace", required(COMPONENT, "trust.webIdentity.namespace", w.namespace));
        checkKubernetesName(COMPONENT, "trust.webIdentity.serviceAccount", required(COMPONENT, "trust.webIdentity.serviceAccount", w.serviceAccount), "a service account name");
    } else {
        const principals = required(COMPONENT, "trust.principalArns", trust.principalArns);
        if (principals.length === 0) throw new Error(`${COMPONENT}: argument "trust.principalArns" must not be empty`);
        if (principals.some((p) => p === "*")) throw new Error(`${COMPONENT}: argument "trust.principalArns" must name principals, not "*"`);
        const externalId = required(COMPONENT, "trust.externalId", trust.externalId);
        if (typeof externalId === "string" && externalId.length < 16) {
            throw new Error(`${COMPONENT}: argument "trust.externalId" must be at least 16 characters`);
        }
    }
    const roleName =
        args.roleName !== undefined
            ? checkPattern(COMPONENT, "roleName", args.roleName, /^[\w+=,.@-]{1,64}$/, "1-64 letters, digits or +=,.@_-")
            : principalRoleName(base.namePrefix, principal);
    return { ...base, principal, roleName };
}

export class Principal extends pulumi.ComponentResource {
    public readonly role: aws.iam.Role;
    /** `<namePrefix>-<principal>` unless named otherwise, known before deployment. */
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
                roleName: v.roleName,
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

/** The role name of the recipient on Kubernetes: `<namePrefix>-k8s-recipient`. */
export function kubernetesRecipientRoleName(namePrefix: string): string {
    return `${namePrefix}-k8s-recipient`;
}

/**
 * The recipient on Kubernetes (layer `serving`): the IRSA role of the recipient pods' service account, assumed with
 * the cluster's service-account tokens through its IAM OIDC provider. A recipient like the function's role: the
 * records key lets it decrypt too.
 */
export function kubernetesRecipientPrincipal(
    name: string,
    args: LayerArgs & { readonly trust: WebIdentityTrust; readonly formerParent?: FormerParent },
    opts?: pulumi.ComponentResourceOptions,
): Principal {
    const { trust, ...rest } = args;
    return new Principal(
        name,
        {
            ...rest,
            principal: "recipient",
            layer: "serving",
            roleName: kubernetesRecipientRoleName(args.namePrefix),
            description: `The recipient on Kubernetes: IRSA role of service account ${trust.namespace}/${trust.serviceAccount} (least privilege).`,
            trust: { webIdentity: trust },
        },
        opts,
    );
}
