/**
 * Where a resource's settings came from, when it can be known: a resource created by a higher-level library
 * component (awsx, eks, aws-apigateway) carries that component's defaults, not choices the program made. Findings
 * say so, so that the fix names the component argument to change instead of a resource the program never wrote.
 */

/** Packages whose components create resources with their own defaults. */
export const COMPONENT_LIBRARIES: Readonly<Record<string, string>> = {
    awsx: "@pulumi/awsx",
    eks: "@pulumi/eks",
    "aws-apigateway": "@pulumi/aws-apigateway",
};

/** The type token of the last element of a URN's type chain (`urn:pulumi:s::p::a$b$c::n` gives `c`), or undefined. */
export function typeOfUrn(urn: string): string | undefined {
    const parts = urn.split("::");
    if (parts.length < 4) {
        return undefined;
    }
    const chain = parts[2].split("$");
    return chain[chain.length - 1];
}

/**
 * ` (set by the awsx:ecs:FargateService component of @pulumi/awsx, a library default: change it through that
 * component's arguments)` when `parentUrn` is a component of a known library, else "".
 */
export function libraryDefaultNote(parentUrn: string | undefined): string {
    if (parentUrn === undefined || parentUrn === "") {
        return "";
    }
    const type = typeOfUrn(parentUrn);
    const pkg = type?.split(":")[0];
    const lib = pkg === undefined ? undefined : COMPONENT_LIBRARIES[pkg];
    if (type === undefined || lib === undefined) {
        return "";
    }
    return ` (a default of the ${type} component of ${lib}, not a value the program wrote: set it through that component's arguments)`;
}
