/**
 * The pack entry: creates the CrossGuard PolicyPack `e2ee-pipeline-policies` with every policy. It is the
 * package's `main`, so the CLI's launcher runs it for the pack's directory (a clone, a copy, the published
 * tarball, or `pulumi policy publish`), and the package exports it as `@e2ee-pipeline/policy-pack/pack`.
 * Nothing else creates a PolicyPack: build your own subset with `selectPolicies` (library.ts, select.ts).
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
