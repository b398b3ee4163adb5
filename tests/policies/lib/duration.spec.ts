import assert from "node:assert/strict";
import { formatHours, parseGoDuration } from "../../../policies/lib/duration";

describe("lib/duration parseGoDuration", () => {
    const H = 3_600_000;
    const table: [string, number | undefined][] = [
        ["2160h", 2160 * H],
        ["90h30m", 90 * H + 30 * 60_000],
        ["1h0m0s", H],
        ["1.5h", 1.5 * H],
        ["720h0m0s", 720 * H],
        ["300ms", 300],
        ["45s", 45_000],
        ["-1h", -H],
        ["0", 0],
        ["", undefined],
        ["90d", undefined],
        ["2160", undefined],
        ["h", undefined],
        ["1h ", undefined],
    ];
    for (const [input, want] of table) {
        it(`"${input}" -> ${String(want)}`, () => assert.equal(parseGoDuration(input), want));
    }
    it("formatHours", () => {
        assert.equal(formatHours(2160 * H), "2160h");
        assert.equal(formatHours(1.5 * H), "1.50h");
    });
});
