/**
 * URNs as the engine builds them (its `resource.NewURN`): `urn:pulumi:<stack>::<project>::<qualified type>::<name>`,
 * where the qualified type is the parent's qualified type, `$`, and the resource's type, except that the root
 * stack (`pulumi:pulumi:Stack`) is left out of the chain. The runtime's own mock monitor keeps only the parent's
 * last type; the engine keeps the whole chain, and so do we.
 */

export const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";

const PREFIX = "urn:pulumi:";

/** The parts of a URN. The name is everything after the third `::` (a name may itself contain `::`). */
export function parseUrn(urn: string): { stack: string; project: string; qualifiedType: string; name: string } {
    if (!urn.startsWith(PREFIX)) throw new Error(`invalid URN '${urn}': it does not start with '${PREFIX}'`);
    const parts = urn.slice(PREFIX.length).split("::");
    if (parts.length < 4) throw new Error(`invalid URN '${urn}': expected urn:pulumi:<stack>::<project>::<type>::<name>`);
    const [stack, project, qualifiedType] = parts as [string, string, string];
    return { stack, project, qualifiedType, name: parts.slice(3).join("::") };
}

/** The last type of a qualified type chain: the resource's own type. */
export function typeOfUrn(urn: string): string {
    return parseUrn(urn).qualifiedType.split("$").pop() as string;
}

/** The URN of a resource of `type` named `name` whose parent has URN `parent` ("" for none). */
export function newUrn(stack: string, project: string, parent: string, type: string, name: string): string {
    const parentType = parent === "" ? "" : parseUrn(parent).qualifiedType;
    const qualifiedType = parentType === "" || parentType === ROOT_STACK_TYPE ? type : `${parentType}$${type}`;
    return `${PREFIX}${stack}::${project}::${qualifiedType}::${name}`;
}
