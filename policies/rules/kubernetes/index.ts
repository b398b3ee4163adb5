import { k8sImagePinnedByDigest } from "./k8sImagePinnedByDigest";
import { istioPeerAuthenticationStrict } from "./istioPeerAuthenticationStrict";
import { k8sNamespacePodSecurityRestricted } from "./k8sNamespacePodSecurityRestricted";
import { k8sNoClusterAdminBinding } from "./k8sNoClusterAdminBinding";
import { k8sPodSecurityRestricted } from "./k8sPodSecurityRestricted";
import { k8sRbacNoWildcards } from "./k8sRbacNoWildcards";
import { k8sServiceAccountTokenNotAutomounted } from "./k8sServiceAccountTokenNotAutomounted";

export const rules = [
    k8sNamespacePodSecurityRestricted,
    k8sPodSecurityRestricted,
    k8sImagePinnedByDigest,
    k8sRbacNoWildcards,
    k8sNoClusterAdminBinding,
    k8sServiceAccountTokenNotAutomounted,
    istioPeerAuthenticationStrict,
];
