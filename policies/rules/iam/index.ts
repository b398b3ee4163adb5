import { e2eeRecordsKeyLeastPrivilege } from "./e2eeRecordsKeyLeastPrivilege";
import { iamNoAdminManagedPolicies } from "./noAdminManagedPolicies";
import { iamNoAllowNotAction } from "./noAllowNotAction";
import { iamNoWildcardActions } from "./noWildcardActions";
import { iamNoWildcardResources } from "./noWildcardResources";
import { kmsKeyPolicyNoUnscopedWildcardPrincipal } from "./kmsKeyPolicyNoUnscopedWildcardPrincipal";
import { iamTrustPolicyNoWildcardPrincipal } from "./trustPolicyNoWildcardPrincipal";

export const rules = [
    iamNoWildcardActions,
    iamNoWildcardResources,
    iamNoAllowNotAction,
    iamNoAdminManagedPolicies,
    iamTrustPolicyNoWildcardPrincipal,
    kmsKeyPolicyNoUnscopedWildcardPrincipal,
    e2eeRecordsKeyLeastPrivilege,
];
