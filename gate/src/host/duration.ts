/**
 * Pulumi's custom-timeout strings as the engine reads them: Go's `time.ParseDuration` (a sign, then one or more
 * decimal numbers each with a unit: ns, us/µs/μs, ms, s, m, h; "0" alone), whole nanoseconds, then seconds as
 * `Duration.Seconds()` gives them. A value it cannot parse fails the registration, with the engine's message.
 */

const UNIT_NS: Record<string, bigint> = {
    ns: 1n,
    us: 1_000n,
    "\u00b5s": 1_000n, // µ (micro sign)
    "\u03bcs": 1_000n, // μ (Greek mu)
    ms: 1_000_000n,
    s: 1_000_000_000n,
    m: 60_000_000_000n,
    h: 3_600_000_000_000n,
};

const MAX_NS = (1n << 63n) - 1n;

/** "10m", "1h30m", "300ms" → seconds; throws `unable to parse customTimeout Value <s>` otherwise. */
export function parseDuration(s: string): number {
    const invalid = (): Error => new Error(`unable to parse customTimeout Value ${s}`);
    let rest = s;
    let negative = false;
    if (rest.startsWith("-") || rest.startsWith("+")) {
        negative = rest.startsWith("-");
        rest = rest.slice(1);
    }
    if (rest === "0") return 0;
    if (rest === "") throw invalid();
    let total = 0n;
    while (rest !== "") {
        const m = /^(\d*)(?:\.(\d*))?([^\d.]+)/.exec(rest);
        if (m === null) throw invalid();
        const [all, whole = "", frac = "", unit = ""] = m;
        const perUnit = UNIT_NS[unit];
        if ((whole === "" && frac === "") || perUnit === undefined) throw invalid();
        // Whole units, plus the fraction's share of a unit, truncated to whole nanoseconds (as Go does).
        let ns = BigInt(whole === "" ? "0" : whole) * perUnit;
        if (frac !== "") ns += (BigInt(frac) * perUnit) / 10n ** BigInt(frac.length);
        total += ns;
        if (total > MAX_NS) throw invalid();
        rest = rest.slice(all.length);
    }
    if (negative) total = -total;
    const second = 1_000_000_000n;
    return Number(total / second) + Number(total % second) / 1e9;
}
