import { k8sImagePinnedByDigest } from "./imagePinnedByDigest";
import { istioPeerAuthenticationStrict } from "./istioPeerAuthenticationStrict";
import { k8sNamespacePodSecurityRestricted } from "./namespacePodSecurityRestricted";
import { k8sNoClusterAdminBinding } from "./noClusterAdminBinding";
import { k8sPodSecurityRestricted } from "./podSecurityRestricted";
import { k8sRbacNoWildcards } from "./rbacNoWildcards";
import { k8sServiceAccountTokenAutomount } from "./serviceAccountTokenAutomount";

export const rules = [
    k8sNamespacePodSecurityRestricted,
    k8sPodSecurityRestricted,
    k8sImagePinnedByDigest,
    k8sRbacNoWildcards,
    k8sNoClusterAdminBinding,
    k8sServiceAccountTokenAutomount,
    istioPeerAuthenticationStrict,
];
