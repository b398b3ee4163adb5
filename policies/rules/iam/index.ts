import { e2eeRecordsKeyLeastPrivilege } from "./e2eeRecordsKeyLeastPrivilege";
import { iamNoAdminManagedPolicies } from "./iamNoAdminManagedPolicies";
import { iamNoAllowNotAction } from "./iamNoAllowNotAction";
import { iamNoWildcardActions } from "./iamNoWildcardActions";
import { iamNoWildcardResources } from "./iamNoWildcardResources";
import { kmsKeyPolicyNoUnscopedWildcardPrincipal } from "./kmsKeyPolicyNoUnscopedWildcardPrincipal";
import { iamTrustPolicyNoWildcardPrincipal } from "./iamTrustPolicyNoWildcardPrincipal";

export const rules = [
    iamNoWildcardActions,
    iamNoWildcardResources,
    iamNoAllowNotAction,
    iamNoAdminManagedPolicies,
    iamTrustPolicyNoWildcardPrincipal,
    kmsKeyPolicyNoUnscopedWildcardPrincipal,
    e2eeRecordsKeyLeastPrivilege,
];
