import { k8sNamespaceDefaultDeny } from "./k8sNamespaceDefaultDeny";
import { rdsInstanceNotPubliclyAccessible } from "./rdsInstanceNotPubliclyAccessible";
import { redshiftClusterNotPubliclyAccessible } from "./redshiftClusterNotPubliclyAccessible";
import { sgNoUnrestrictedEgress } from "./sgNoUnrestrictedEgress";
import { sgNoUnrestrictedIngress } from "./sgNoUnrestrictedIngress";

export const rules = [sgNoUnrestrictedIngress, sgNoUnrestrictedEgress, rdsInstanceNotPubliclyAccessible, redshiftClusterNotPubliclyAccessible, k8sNamespaceDefaultDeny];
