/**
 * IAM roles of the pipeline's principals: their explicit names (known before deployment, so that the records
 * key's policy can name them and be checked during preview), who may assume them, and their tags.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PrincipalRole } from "../../policies/conventions";
import { policyDocument, serviceTrustPolicy } from "./policy";
import { Tags, principalTags } from "./tags";
import { OIDC_PROVIDER_ARN } from "./validate";

/** The explicit IAM role name of a principal: `<namePrefix>-<principal>`. */
export function principalRoleName(namePrefix: string, principal: PrincipalRole): string {
    return `${namePrefix}-${principal}`;
}

/** Who may assume a role. */
export type RoleTrust =
    /** An AWS service (e.g. `lambda.amazonaws.com`), on behalf of this account only (confused deputy). */
    | { readonly service: string }
    /** Principals of other accounts or applications, presenting `sts:ExternalId`. */
    | { readonly principalArns: readonly pulumi.Input<string>[]; readonly externalId: pulumi.Input<string> }
    /** One Kubernetes service account of an EKS cluster, through the cluster's IAM OIDC provider (IRSA). */
    | { readonly webIdentity: WebIdentityTrust };

/** The IAM OIDC provider of an EKS cluster and the service account whose tokens may assume the role. */
export interface WebIdentityTrust {
    /** `arn:<partition>:iam::<account>:oidc-provider/<issuer host and path>`, e.g. `.../oidc.eks.eu-west-1.amazonaws.com/id/<ID>`. */
    readonly providerArn: string;
    /** Namespace of the service account. */
    readonly namespace: string;
    /** Name of the service account. */
    readonly serviceAccount: string;
}

/** The audience EKS projects into service-account tokens for IRSA. */
export const IRSA_AUDIENCE = "sts.amazonaws.com";

/** The issuer (host and path, no scheme) of an OIDC provider ARN, the prefix of its condition keys. */
export function oidcIssuer(providerArn: string): string {
    const m = OIDC_PROVIDER_ARN.exec(providerArn);
    if (m === null) throw new Error(`not an IAM OIDC provider ARN: ${JSON.stringify(providerArn)}`);
    return m[1];
}

/** The trust policy of `principal`'s role. */
export function trustPolicy(principal: PrincipalRole, trust: RoleTrust, accountId: pulumi.Input<string>): pulumi.Output<string> {
    if ("service" in trust) return serviceTrustPolicy(trust.service, accountId);
    if ("webIdentity" in trust) {
        const { providerArn, namespace, serviceAccount } = trust.webIdentity;
        const issuer = oidcIssuer(providerArn);
        return policyDocument([
            {
                Sid: "AssumeByServiceAccount",
                Effect: "Allow",
                Principal: { Federated: providerArn },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                    StringEquals: { [`${issuer}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`, [`${issuer}:aud`]: IRSA_AUDIENCE },
                },
            },
        ]);
    }
    return policyDocument([
        {
            Sid: `AssumeBy${principal[0].toUpperCase()}${principal.slice(1)}`,
            Effect: "Allow",
            Principal: { AWS: trust.principalArns },
            Action: "sts:AssumeRole",
            Condition: { StringEquals: { "sts:ExternalId": trust.externalId } },
        },
    ]);
}

export interface PrincipalRoleSpec {
    readonly namePrefix: string;
    readonly principal: PrincipalRole;
    /** The role's name. Default `principalRoleName(namePrefix, principal)`. */
    readonly roleName?: string;
    /** `e2ee:layer` tag: the layer the principal belongs to. */
    readonly layer: string;
    readonly description: string;
    readonly trust: RoleTrust;
    readonly accountId: pulumi.Input<string>;
    readonly tags?: Tags;
}

/** The arguments of a principal's role: explicit name, trust, one-hour sessions, `e2ee:principal-role` tag. */
export function principalRoleArgs(spec: PrincipalRoleSpec): aws.iam.RoleArgs {
    return {
        name: spec.roleName ?? principalRoleName(spec.namePrefix, spec.principal),
        description: spec.description,
        assumeRolePolicy: trustPolicy(spec.principal, spec.trust, spec.accountId),
        maxSessionDuration: 3600,
        tags: principalTags(spec.tags, spec.layer, spec.principal),
    };
}
