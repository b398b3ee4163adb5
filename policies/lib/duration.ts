/** Go `time.ParseDuration` syntax (used by cert-manager's spec.duration / spec.renewBefore), in milliseconds. */

const UNIT_MS: Readonly<Record<string, number>> = {
    ns: 1e-6,
    us: 1e-3,
    "µs": 1e-3,
    "μs": 1e-3,
    ms: 1,
    s: 1000,
    m: 60_000,
    h: 3_600_000,
};

/**
 * Parses a Go duration such as "2160h", "90h30m", "1.5h", "-1h", "0". Returns milliseconds, or undefined when the
 * string is not a valid Go duration (a unit is required except for "0"; Go has no "d" unit).
 */
export function parseGoDuration(s: string): number | undefined {
    let rest = s;
    let sign = 1;
    if (rest.startsWith("-") || rest.startsWith("+")) {
        sign = rest.startsWith("-") ? -1 : 1;
        rest = rest.slice(1);
    }
    if (rest === "0") {
        return 0;
    }
    if (rest === "") {
        return undefined;
    }
    let total = 0;
    const re = /^(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;
    while (rest !== "") {
        const m = re.exec(rest);
        if (m === null) {
            return undefined;
        }
        total += parseFloat(m[1]) * UNIT_MS[m[2]];
        rest = rest.slice(m[0].length);
    }
    return sign * total;
}

/** Formats milliseconds as hours for messages, e.g. 7776000000 -> "2160h". */
export function formatHours(ms: number): string {
    const h = ms / 3_600_000;
    return `${Number.isInteger(h) ? h : h.toFixed(2)}h`;
}
