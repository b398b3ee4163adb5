import { k8sNamespaceDefaultDeny } from "./k8sNamespaceDefaultDeny";
import { sgNoUnrestrictedEgress } from "./sgNoUnrestrictedEgress";

export const rules = [sgNoUnrestrictedEgress, k8sNamespaceDefaultDeny];
