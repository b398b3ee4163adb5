/**
 * Kubernetes helpers: where each workload type keeps its pod template, the containers of a pod spec, and a
 * resource's namespace. Props are read through @pulumi/policy's proxy (unknown values throw in resource rules).
 */

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function objAt(o: unknown, ...path: string[]): Obj | undefined {
    let cur: unknown = o;
    for (const k of path) {
        if (!isObj(cur)) {
            return undefined;
        }
        cur = cur[k];
    }
    return isObj(cur) ? cur : undefined;
}

export function listOf(v: unknown): unknown[] {
    return Array.isArray(v) ? Array.from(v as unknown[]) : [];
}

/** Workload types and the path from props to their pod spec. */
export const POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
    "kubernetes:core/v1:Pod": ["spec"],
    "kubernetes:core/v1:ReplicationController": ["spec", "template", "spec"],
    "kubernetes:core/v1:PodTemplate": ["template", "spec"],
    "kubernetes:apps/v1:Deployment": ["spec", "template", "spec"],
    "kubernetes:apps/v1:StatefulSet": ["spec", "template", "spec"],
    "kubernetes:apps/v1:DaemonSet": ["spec", "template", "spec"],
    "kubernetes:apps/v1:ReplicaSet": ["spec", "template", "spec"],
    "kubernetes:batch/v1:Job": ["spec", "template", "spec"],
    "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
};

export const WORKLOAD_TYPES: readonly string[] = Object.keys(POD_SPEC_PATHS);

/** "Deployment" from "kubernetes:apps/v1:Deployment". */
export function kindOf(type: string): string {
    return type.slice(type.lastIndexOf(":") + 1);
}

export interface PodSpecRef {
    /** e.g. "spec.template.spec". */
    readonly path: string;
    readonly spec: Obj;
}

/** The pod spec of a workload resource, or undefined for other types / a missing spec. */
export function podSpecOf(type: string, props: Obj): PodSpecRef | undefined {
    const path = POD_SPEC_PATHS[type];
    if (path === undefined) {
        return undefined;
    }
    const spec = objAt(props, ...path);
    return spec === undefined ? undefined : { path: path.join("."), spec };
}

export type ContainerList = "initContainers" | "containers" | "ephemeralContainers";
export const CONTAINER_LISTS: readonly ContainerList[] = ["initContainers", "containers", "ephemeralContainers"];

export interface ContainerRef {
    readonly list: ContainerList;
    readonly index: number;
    /** e.g. `spec.template.spec.containers[0]`. */
    readonly path: string;
    /** The container's name, if set. */
    readonly name: string | undefined;
    readonly container: Obj;
}

/** Every container, init container and ephemeral container of a pod spec. */
export function containersOf(pod: PodSpecRef): ContainerRef[] {
    const out: ContainerRef[] = [];
    for (const list of CONTAINER_LISTS) {
        listOf(pod.spec[list]).forEach((c, index) => {
            if (isObj(c)) {
                const name = c["name"];
                out.push({ list, index, path: `${pod.path}.${list}[${index}]`, name: typeof name === "string" ? name : undefined, container: c });
            }
        });
    }
    return out;
}

/** `spec.template.spec.containers[0] ("app")`, for messages. */
export function containerLabel(c: ContainerRef): string {
    return c.name === undefined ? c.path : `${c.path} ("${c.name}")`;
}

/** The namespace in metadata.namespace (undefined when not set: the provider's default namespace). */
export function namespaceOf(props: Obj): string | undefined {
    const ns = objAt(props, "metadata")?.["namespace"];
    return typeof ns === "string" && ns !== "" ? ns : undefined;
}
