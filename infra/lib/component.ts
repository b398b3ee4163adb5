/**
 * Options of the children of the components that stand on their own (infra/components/): the parent, and the
 * alias that keeps a deployed stack's resources when a component now holds what a layer created directly before.
 */
import * as pulumi from "@pulumi/pulumi";

/**
 * The resource (or its URN) that a component's children were children of before the component existed. Each child
 * then carries the alias `{ parent: formerParent }`: same name and type, the old parent, which the engine resolves
 * to the child's old URN, so `pulumi up` adopts the resource instead of replacing it. Where nothing was deployed
 * under the old URN, the alias has no effect.
 */
export type FormerParent = pulumi.Resource | pulumi.Input<pulumi.URN>;

/** What a component that is part of a layer is told besides its own arguments. */
export interface LayerPartArgs {
    /** The layer it belongs to: the `e2ee:layer` tag of its resources. Required. */
    readonly layer: string;
    /** Where its resources were created before it existed (see `FormerParent`). Default none. */
    readonly formerParent?: FormerParent;
}

/** `{ parent: component }`, with the alias to the child's URN under `formerParent` when there is one. */
export function childOptions(component: pulumi.Resource, formerParent: FormerParent | undefined, extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions {
    return { ...extra, parent: component, ...(formerParent !== undefined ? { aliases: [{ parent: formerParent }] } : {}) };
}

/** The URN of a top-level component, for `FormerParent`: `urn:pulumi:<stack>::<project>::<type>::<name>`. */
export function topLevelUrn(name: string, type: string): pulumi.Output<pulumi.URN> {
    return pulumi.createUrn(name, type);
}
