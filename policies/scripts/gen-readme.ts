/**
 * Writes the policy tables of policies/README.md from the policies' metadata. Everything outside the generated
 * block is hand-written and kept. Run: npm run policies:readme (`-- --help` for the options);
 * tests/policies/readme.spec.ts fails when the committed README is not current.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { PackRule, allRules, groups } from "../all";

/**
 * Why each group of policies exists, in our words: what it protects and what the pack's sources (the paper's
 * sections and tables cited in each policy's `paper:` mapping, and the articles on end-to-end encryption in serverless
 * pipelines) ask for. A group without a rationale here cannot be rendered: a new group must say why it exists.
 */
export const RATIONALE: Readonly<Record<string, string>> = {
    encryption:
        "Records, and everything that holds them or their metadata (tables, queues, topics, streams, logs, state machine payloads, secrets, volumes, databases, images, backups), are encrypted at rest under customer-managed KMS keys. Only such a key can be restricted by its key policy to the pipeline's own roles, rotated on our schedule, audited key use by key use, and disabled in an incident; an AWS-owned key gives none of that, an AWS-managed key (`alias/aws/<service>`) serves every principal of the account that can use the service. This is the at-rest row of the paper's table of encryption by data state: envelope encryption with 256-bit AES-GCM under customer-managed keys.",
    keys:
        "The keys behind that encryption: symmetric AES-256-GCM keys (the envelope encryption the pipeline's records use, and the only KMS keys that rotate automatically), rotated at least every 90 days (the paper's quarterly rotation bounds how much data one key version protects), a deletion window of 30 days (deleting the records key makes every end-to-end encrypted record unreadable, so the longest undo time KMS offers), and a role tag saying what each key protects, which the least-privilege and separate-backup-key checks rely on.",
    iam:
        "Least privilege per component (the paper's identity and access domain): every grant names the actions and resources a component needs, nothing grants \"everything except\", nobody gets administrator policies, a role says who may assume it, a key policy's `*` principal is scoped by a condition. The end-to-end rule itself is here too: only recipients may decrypt with the records key and only producers generate its data keys, so ingestion and processing, which hold the records in transit, can only ever see ciphertext.",
    s3:
        "Buckets hold the pipeline's records at rest: they are never public, refuse plain HTTP and any TLS older than 1.3 through the bucket policy (TLS on every hop, in addition to end-to-end encryption), and keep versions so that an overwritten or deleted object can be recovered.",
    backup:
        "Backups are encrypted independently, with keys kept apart from the data they protect (the backups row of the paper's table): a backup vault's key differs from every data store's key, so that losing, disabling or compromising a data key does not also cost the backups.",
    tls:
        "Data in transit travels over TLS 1.3 with strong suites (the in-transit row of the paper's table): load balancer listeners, API Gateway custom domains and CloudFront distributions negotiate only TLS 1.3, and a plain-HTTP listener may only redirect to HTTPS. API Gateway HTTP APIs offer no TLS 1.3-only policy, so their policy is advisory.",
    certificates:
        "Certificates are rotated every 90 days (the in-transit row of the paper's table): a short lifetime bounds how long a leaked private key can be used. The policies check the validity that private certificate authorities and cert-manager issue.",
    secrets:
        "Secrets live in a secrets manager, never in plain configuration (the identity and access domain, and the articles' Lambda guidance): an environment variable, a container definition, a connection property or a literal secret value is readable by anyone who may read the resource's definition, and ends up in deployment state, logs and crash reports.",
    network:
        "Controlled ingress, egress and segmentation (the paper's network domain and its case study's egress filtering): no security group opens a port to the whole internet except where a load balancer terminates TLS, none opens all outbound traffic (the easiest path to exfiltrate data), databases and warehouses are not reachable from the internet, and every Kubernetes namespace that runs workloads starts from a default-deny network policy.",
    entrypoints:
        "API gateways with authentication (the paper's network domain): every way into the pipeline from outside, a REST method, an HTTP API route or a function URL, checks who calls it, unless a team lists it as intentionally public.",
    lambda:
        "Functions run on runtimes that still get security patches (patching, in the infrastructure domain), and inside a VPC, so that their outbound traffic passes security groups and VPC endpoints and stays on the AWS network (the articles' Lambda guidance).",
    kubernetes:
        "Hardened orchestration (the infrastructure domain and the case study): pods meet Pod Security's restricted profile, images are pinned by digest so what runs is what was scanned and signed, RBAC grants name what they allow, nobody is bound to cluster-admin, service account tokens are mounted only where needed, and the service mesh requires mutual TLS between workloads.",
    monitoring:
        "Runtime detection and audit (the runtime domain and the paper's monitoring table): a multi-region, validated, encrypted CloudTrail trail delivered to CloudWatch for alerting, log retention long enough to investigate, flow logs on every VPC for connection patterns and exfiltration, and a GuardDuty detector that a stack creates keeps the protections that watch the pipeline's data and workloads.",
    account:
        "Services AWS runs once per account and region (GuardDuty, the organisation's CloudTrail trail, Security Hub, the Config recorder, the account's S3 public access block) belong to the one stack that owns the account baseline: a second stack that created them would fail to deploy. These policies judge only a stack that opts in with `accountBaseline: true`.",
    classification:
        "Data classification drives the controls (the data protection domain): every data store says which class of data it holds, so reviewers and policies can tell what must be protected and how.",
    waivers:
        "Exceptions found by scanning infrastructure code before deploy must be visible, justified and temporary: every waiver has a reason and an expiry date, every applied waiver is reported in every run, and an expired waiver stops applying. The report is information, never a failure.",
};

export const BEGIN = "<!-- BEGIN GENERATED POLICY TABLES (policies/scripts/gen-readme.ts) -->";
export const END = "<!-- END GENERATED POLICY TABLES -->";
export const README_PATH = path.join(__dirname, "..", "README.md");

function cell(s: string): string {
    return s.replace(/\r?\n/g, " ").replace(/\|/g, "\\|");
}

function kind(r: PackRule): string {
    return "validateStack" in r ? "stack" : "resource";
}

function mappings(r: PackRule): string {
    const f = r.frameworkRef;
    const parts = [`Paper: ${f.paper}`];
    if ((f.securityHub ?? []).length > 0) {
        parts.push(`Security Hub: ${(f.securityHub ?? []).join(", ")}`);
    }
    if ((f.checkov ?? []).length > 0) {
        parts.push(`Checkov: ${(f.checkov ?? []).join(", ")}`);
    }
    return parts.join("<br>");
}

function config(r: PackRule): string {
    const props = Object.entries(r.configSchema?.properties ?? {}).filter(([k]) => k !== "waivers" && k !== r.optIn);
    if (props.length === 0) {
        return "";
    }
    return props
        .map(([k, s]: [string, PolicyConfigJSONSchema]) => (s.default === undefined ? `\`${k}\`` : `\`${k}\` (default \`${JSON.stringify(s.default)}\`)`))
        .join("<br>");
}

/** The generated block (markers included). */
export function generated(): string {
    const missing = Object.keys(groups).filter((g) => RATIONALE[g] === undefined);
    const stale = Object.keys(RATIONALE).filter((g) => groups[g] === undefined);
    if (missing.length > 0 || stale.length > 0) {
        throw new Error(
            `RATIONALE in policies/scripts/gen-readme.ts must have exactly one entry per group: ${missing.length > 0 ? `add ${missing.join(", ")}` : ""}${missing.length > 0 && stale.length > 0 ? "; " : ""}${stale.length > 0 ? `remove ${stale.join(", ")}` : ""}`,
        );
    }
    const lines: string[] = [BEGIN, "", `${allRules.length} policies in ${Object.keys(groups).length} groups, in evaluation order.`, ""];
    for (const [group, rules] of Object.entries(groups)) {
        lines.push(`### ${group} (${rules.length})`, "", `Why: ${RATIONALE[group]}`, "");
        lines.push("| Policy | Level | Severity | Checks | Applies to | Description | Mappings | Config |", "|---|---|---|---|---|---|---|---|");
        for (const r of rules) {
            const scope = r.optIn === undefined ? "every stack" : `stacks that set \`${r.optIn}: true\``;
            lines.push(
                `| \`${r.name}\` | ${r.enforcementLevel ?? "advisory"} | ${r.severity ?? ""} | ${kind(r)} | ${scope} | ${cell(r.description)} | ${cell(mappings(r))} | ${cell(config(r))} |`,
            );
        }
        lines.push("");
    }
    lines.push("### What each policy judges", "");
    for (const r of allRules) {
        lines.push(`- \`${r.name}\`: ${cell(r.details ?? r.description)}`);
    }
    lines.push("", "### Remediation", "");
    for (const r of allRules) {
        lines.push(`- \`${r.name}\`: ${cell(r.remediationSteps ?? "")}`);
    }
    lines.push("", END);
    return lines.join("\n");
}

/** `current` with its generated block replaced by the current one. */
export function renderReadme(current: string): string {
    const a = current.indexOf(BEGIN);
    const b = current.indexOf(END);
    if (a < 0 || b < a) {
        throw new Error(`README has no generated block (${BEGIN} ... ${END})`);
    }
    return current.slice(0, a) + generated() + current.slice(b + END.length);
}

const USAGE = `usage: npm run policies:readme [-- --check]

Writes the policy tables of policies/README.md from the policies' metadata.

  --check      write nothing; exit 1 when the README is not current
  -h, --help   this text
`;

if (require.main === module) {
    // util.parseArgs directly: the pack is a package of its own and imports nothing from the repository.
    let args: { check: boolean; help: boolean };
    try {
        const { values } = parseArgs({ args: process.argv.slice(2), options: { check: { type: "boolean" }, help: { type: "boolean", short: "h" } }, strict: true, allowPositionals: false });
        args = { check: values.check === true, help: values.help === true };
    } catch (e) {
        process.stderr.write(`error: ${(e as Error).message}\n\n${USAGE}`);
        process.exit(2);
    }
    if (args.help) {
        process.stdout.write(USAGE);
        process.exit(0);
    }
    const current = fs.readFileSync(README_PATH, "utf8");
    const next = renderReadme(current);
    if (next !== current && args.check) {
        console.error(`${path.relative(process.cwd(), README_PATH)} is not current: run npm run policies:readme`);
        process.exitCode = 1;
    } else if (next !== current) {
        fs.writeFileSync(README_PATH, next);
        console.log(`updated ${path.relative(process.cwd(), README_PATH)}`);
    } else {
        console.log(`${path.relative(process.cwd(), README_PATH)} is current`);
    }
}
