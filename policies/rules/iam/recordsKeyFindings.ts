/**
 * The findings of `e2ee-records-key-least-privilege` (./e2eeRecordsKeyLeastPrivilege.ts) on one records key, from
 * what lib/kmsAccess.ts decided: access the key policy gives every principal or a service, access the program's
 * principals have without the tag the operation requires, and what stays undecided about principals outside the
 * program. Findings are ordered key policies first, then identity policies, then grants (then statement,
 * operation, key, principal).
 */
import type { PolicyResource } from "@pulumi/policy";
import { statementLabel, type Statement } from "../../lib/iam";
import type { AccessPath, DocumentSource, KeyAccess, KmsOperation, OutsideAccess } from "../../lib/kmsAccess";
import type { StackPrincipal } from "../../lib/iamStack";
import { tagOf, UNKNOWN } from "../../lib/known";
import type { ResourceMatcher } from "../../lib/iamEval";
import type { Undecided } from "../../lib/unknown";
import { PRINCIPAL_ROLE_TAG } from "../../conventions";
import { OPERATIONS, operationIndex, type KeyGrant, type Operation } from "./recordsKey";

export interface Finding {
    /** Where the finding sorts (see `compareOrder`). */
    readonly order: readonly (number | string)[];
    readonly message: string;
    readonly urn: string;
}

/** Orders findings by their `order`, element by element (numbers as numbers, a missing element first). */
export function compareOrder(a: readonly (number | string)[], b: readonly (number | string)[]): number {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
        const x = a[i] ?? -1;
        const y = b[i] ?? -1;
        if (x === y) continue;
        if (typeof x === "number" && typeof y === "number") return x - y;
        return String(x) < String(y) ? -1 : 1;
    }
    return 0;
}

function describeTag(tag: string | undefined): string {
    return tag === undefined ? `which has no ${PRINCIPAL_ROLE_TAG} tag` : `which is tagged ${PRINCIPAL_ROLE_TAG}=${tag}`;
}

function rule(op: Operation): string {
    return `only principals tagged ${PRINCIPAL_ROLE_TAG}=${op.allowed} may use ${op.label} on a records key`;
}

/** True if the statement applies only to principals tagged with the operation's allowed role (StringEquals on the tag). */
export function onlyAllowedTag(s: Statement, op: Operation): boolean {
    return Object.entries(s.condition ?? {}).some(
        ([operator, block]) =>
            operator.toLowerCase() === "stringequals" &&
            Object.entries(block).some(([k, v]) => {
                const values = Array.isArray(v) ? (v as unknown[]) : [v];
                return k.toLowerCase() === `aws:principaltag/${PRINCIPAL_ROLE_TAG}` && values.length > 0 && values.every((x) => x === op.allowed);
            }),
    );
}

/** What the findings on one records key read. */
export interface KeyFindingContext {
    readonly keyRes: PolicyResource;
    readonly grants: readonly KeyGrant[];
    /** The position of a resource in the stack (-1: not in it). */
    readonly position: (urn: string) => number;
    /** The resource matcher of the document from `source` for the key. */
    readonly matcherOf: (source: DocumentSource) => ResourceMatcher;
}

function operationOf(op: KmsOperation): Operation {
    return OPERATIONS[operationIndex(op)];
}

/** Identifies an operation given by a key policy statement. */
function statementKey(op: KmsOperation, s: Statement): string {
    return `${op.label}\u0000${s.index}`;
}

function grantPosition(ctx: KeyFindingContext, source: DocumentSource): number {
    const g = ctx.grants.find((x) => x.source === source);
    return g === undefined ? -1 : ctx.position(g.res.urn);
}

/**
 * Findings on what the key policy gives every principal, or a service, with certainty; and the key policy
 * statements that give an operation to every principal (their findings stand for every principal's).
 */
export function everyoneFindings(ctx: KeyFindingContext, outside: readonly OutsideAccess[]): { findings: Finding[]; everyone: ReadonlySet<string> } {
    const findings: Finding[] = [];
    const everyone = new Set<string>();
    const keyPos = ctx.position(ctx.keyRes.urn);
    for (const o of outside) {
        const op = operationOf(o.operation);
        const opIndex = operationIndex(op);
        if (o.decision === "allowed" && o.who.kind === "everyone" && o.statement !== undefined) {
            everyone.add(statementKey(op, o.statement));
            const desc = o.who.conditioned ? 'Principal "*" with conditions every request meets' : 'Principal "*" without a condition';
            findings.push({ order: [0, keyPos, o.statement.index, opIndex, -1], message: `${o.source.label} ${statementLabel(o.statement)} grants ${op.label} to every principal (${desc}); ${rule(op)}.`, urn: o.source.urn });
        } else if (o.decision === "allowed" && o.who.kind === "service") {
            const message =
                o.statement !== undefined
                    ? `${o.source.label} ${statementLabel(o.statement)} grants ${op.label} to service principal "${o.who.service}"; ${rule(op)}.`
                    : `${o.source.label} gives ${op.label} on records key "${ctx.keyRes.name}" to service principal "${o.who.service}"; ${rule(op)}.`;
            findings.push({ order: o.statement !== undefined ? [0, keyPos, o.statement.index, opIndex, -1] : [2, grantPosition(ctx, o.source), 0, opIndex, keyPos, -1], message, urn: o.source.urn });
        }
    }
    return { findings, everyone };
}

/** The finding for one path by which a principal (`to`, tagged as `tagText` says) has the operation. */
function pathFinding(ctx: KeyFindingContext, everyone: ReadonlySet<string>, path: AccessPath, op: Operation, to: string, tagText: string, principalPos: number): Finding | undefined {
    const tail = `${tagText}; ${rule(op)}.`;
    const o = operationIndex(op);
    const keyPos = ctx.position(ctx.keyRes.urn);
    const keyName = ctx.keyRes.name;
    if (path.kind === "key-policy") {
        if (everyone.has(statementKey(op, path.statement))) return undefined;
        return { order: [0, keyPos, path.statement.index, o, principalPos], message: `${path.source.label} ${statementLabel(path.statement)} grants ${op.label} to ${to}, ${tail}`, urn: path.source.urn };
    }
    if (path.kind === "grant") {
        return { order: [2, grantPosition(ctx, path.source), 0, o, keyPos, principalPos], message: `${path.source.label} gives ${op.label} on records key "${keyName}" to ${to}, ${tail}`, urn: path.source.urn };
    }
    const s = path.statement;
    const matcher = ctx.matcherOf(path.source);
    const explicit = s.notResource !== undefined || (s.resource ?? []).some((p) => p !== "*" && matcher(p).result === "yes");
    const because = path.delegation.kind === "grant" ? `${path.delegation.source.label} gives ${op.label} to its account` : `its key policy delegates ${op.label} to IAM`;
    const on = explicit ? `on records key "${keyName}"` : `on Resource "*", which covers records key "${keyName}" because ${because},`;
    const via = path.via === undefined ? "" : ` (${path.via})`;
    return {
        order: [1, ctx.position(path.source.urn), path.source.label, s.index, o, keyPos, principalPos],
        message: `${path.source.label} ${statementLabel(s)} grants ${op.label} ${on} to ${to}${via}, ${tail}`,
        urn: path.source.urn,
    };
}

/**
 * Findings on the program's principals that have an operation without its tag (a principal whose tags are unknown,
 * or whose access is undecided, is undecided), and the key policy statements they came from.
 */
export function principalFindings(
    ctx: KeyFindingContext,
    access: KeyAccess["principals"],
    principals: readonly StackPrincipal[],
    everyone: ReadonlySet<string>,
    undecided: Undecided,
): { findings: Finding[]; statementsWithFindings: ReadonlySet<string> } {
    const findings: Finding[] = [];
    const statementsWithFindings = new Set<string>();
    const byUrn = new Map<string, StackPrincipal>(principals.map((p) => [p.resource.urn, p]));
    for (const a of access) {
        const op = operationOf(a.operation);
        const sp = byUrn.get(a.principal.urn);
        if (sp === undefined || a.decision === "not-allowed") continue;
        const tag = tagOf(sp.resource.props, PRINCIPAL_ROLE_TAG);
        if (tag === op.allowed) continue;
        if (tag === UNKNOWN) {
            undecided.add(`the tags of ${sp.kind} "${sp.resource.name}" are unknown`);
            continue;
        }
        if (a.decision === "undecided") {
            a.reasons.forEach((r) => undecided.add(r));
            continue;
        }
        const to = `${sp.kind} "${sp.label}"`;
        for (const path of a.paths) {
            const f = pathFinding(ctx, everyone, path, op, to, describeTag(tag), ctx.position(sp.resource.urn));
            if (f === undefined) continue;
            findings.push(f);
            if (path.kind === "key-policy") statementsWithFindings.add(statementKey(op, path.statement));
        }
    }
    return { findings, statementsWithFindings };
}

/**
 * What is undecided about principals outside the program; not a statement for every principal that already has a
 * finding or that only principals with the operation's tag meet.
 */
export function outsideUndecided(outside: readonly OutsideAccess[], statementsWithFindings: ReadonlySet<string>): string[] {
    const reasons: string[] = [];
    for (const o of outside) {
        if (o.decision !== "undecided") continue;
        const op = operationOf(o.operation);
        if (o.who.kind === "everyone" && o.statement !== undefined && (statementsWithFindings.has(statementKey(op, o.statement)) || onlyAllowedTag(o.statement, op))) continue;
        const what =
            o.who.kind === "everyone" && o.statement !== undefined
                ? [`whether ${o.source.label} ${statementLabel(o.statement)} gives ${op.label} to principals outside the program: ${o.reasons.join(", ")}`]
                : o.who.kind === "service" && o.statement !== undefined
                  ? [`whether ${o.source.label} ${statementLabel(o.statement)} gives ${op.label} to service principal "${o.who.service}": ${o.reasons.join(", ")}`]
                  : o.reasons;
        reasons.push(...what);
    }
    return reasons;
}
