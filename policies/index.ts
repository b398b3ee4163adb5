/**
 * The CrossGuard policy pack. This is the only place that creates the PolicyPack; build your own subset with
 * `selectPolicies` from ./select.
 *
 * Run with: pulumi preview --policy-pack <path to this directory> [--policy-pack-config config.json]
 */
import { PolicyPack } from "@pulumi/policy";
import { allRules } from "./all";

new PolicyPack("e2ee-pipeline-policies", {
    policies: [...allRules],
    enforcementLevel: "mandatory",
    displayName: "E2EE pipeline policies",
    description:
        "End-to-end encryption, customer-managed keys with 90-day rotation, TLS 1.3, least privilege, egress filtering and monitoring for cloud-native data pipelines on AWS and Kubernetes.",
    provider: "aws",
    tags: ["aws", "kubernetes", "encryption", "e2ee", "tls13"],
});
