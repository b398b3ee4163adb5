/** Offline answers for the invokes a program makes (documented in docs/gate.md). */

export const MOCK_ACCOUNT_ID = "123456789012";

/** The invokes answered offline (below); any other returns its own arguments. */
const ANSWERED: ReadonlySet<string> = new Set([
    "aws:index/getCallerIdentity:getCallerIdentity",
    "aws:index/getRegion:getRegion",
    "aws:index/getPartition:getPartition",
    "aws:index/getAvailabilityZones:getAvailabilityZones",
    "aws:iam/getPolicyDocument:getPolicyDocument",
]);

/** Whether `invokeMock` has an answer of its own for the invoke (not just its arguments). */
export function hasOfflineAnswer(token: string): boolean {
    return ANSWERED.has(token) || token === "pulumi:pulumi:getResource";
}

/**
 * Mock answers for invokes. Documented in docs/gate.md; anything else returns its own arguments and is
 * noted in the report.
 */
export function invokeMock(token: string, inputs: Record<string, unknown>, region: string, unanswered: (token: string) => void): Record<string, unknown> {
    const partition = region.startsWith("cn-") ? "aws-cn" : region.startsWith("us-gov-") ? "aws-us-gov" : "aws";
    switch (token) {
        case "aws:index/getCallerIdentity:getCallerIdentity":
            return { accountId: MOCK_ACCOUNT_ID, arn: `arn:${partition}:iam::${MOCK_ACCOUNT_ID}:user/pulumi-gate`, userId: "AIDAPULUMIGATEOFFLINE", id: MOCK_ACCOUNT_ID };
        case "aws:index/getRegion:getRegion": {
            const name = typeof inputs["region"] === "string" ? inputs["region"] : typeof inputs["name"] === "string" ? inputs["name"] : region;
            return { name, region: name, id: name, description: name, endpoint: `ec2.${name}.amazonaws.com` };
        }
        case "aws:index/getPartition:getPartition":
            return { partition, id: partition, dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws" };
        case "aws:index/getAvailabilityZones:getAvailabilityZones": {
            const letters = ["a", "b", "c"];
            return {
                id: region,
                names: letters.map((l) => `${region}${l}`),
                zoneIds: letters.map((_, i) => `${region.replace(/-/g, "").slice(0, 4)}-az${i + 1}`),
                groupNames: [region],
                state: "available",
            };
        }
        case "aws:iam/getPolicyDocument:getPolicyDocument":
            return { ...inputs, id: "policy-document", json: policyDocumentJson(inputs), minifiedJson: policyDocumentJson(inputs) };
        default:
            unanswered(token);
            return { ...inputs };
    }
}

/** A best-effort rendering of aws.iam.getPolicyDocument's `json` (statements only). */
function policyDocumentJson(inputs: Record<string, unknown>): string {
    const statements = Array.isArray(inputs["statements"]) ? (inputs["statements"] as Record<string, unknown>[]) : [];
    const cap = (o: Record<string, unknown>): Record<string, unknown> => {
        const out: Record<string, unknown> = {};
        if (o["sid"] !== undefined) out["Sid"] = o["sid"];
        out["Effect"] = o["effect"] ?? "Allow";
        for (const [k, K] of [["actions", "Action"], ["notActions", "NotAction"], ["resources", "Resource"], ["notResources", "NotResource"]] as const) {
            if (o[k] !== undefined) out[K] = o[k];
        }
        for (const [k, K] of [["principals", "Principal"], ["notPrincipals", "NotPrincipal"]] as const) {
            const ps = o[k];
            if (Array.isArray(ps)) {
                const m: Record<string, unknown> = {};
                for (const p of ps as { type: string; identifiers: unknown }[]) m[p.type] = p.identifiers;
                out[K] = m;
            }
        }
        if (Array.isArray(o["conditions"])) {
            const c: Record<string, Record<string, unknown>> = {};
            for (const x of o["conditions"] as { test: string; variable: string; values: unknown }[]) {
                (c[x.test] ??= {})[x.variable] = x.values;
            }
            out["Condition"] = c;
        }
        return out;
    };
    return JSON.stringify({ Version: "2012-10-17", Statement: statements.map(cap) });
}
