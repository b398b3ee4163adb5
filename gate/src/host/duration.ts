/** Pulumi's custom-timeout strings as the engine reads them. */

/** "10m", "1h30m", "90s" → seconds. */
export function parseDuration(s: string): number | undefined {
    let total = 0;
    let matched = false;
    for (const m of s.matchAll(/(\d+(?:\.\d+)?)(h|m|s|ms)/g)) {
        matched = true;
        const n = Number(m[1]);
        total += m[2] === "h" ? n * 3600 : m[2] === "m" ? n * 60 : m[2] === "s" ? n : n / 1000;
    }
    return matched ? total : undefined;
}
