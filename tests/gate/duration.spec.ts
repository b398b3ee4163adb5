/**
 * Custom timeouts as the engine reads them (Go's time.ParseDuration, in seconds; an invalid value fails the
 * registration with "unable to parse customTimeout Value <value>").
 */
import { strict as assert } from "assert";
import { parseDuration } from "../../gate/src/host/duration";

describe("gate parseDuration", () => {
    const valid: [string, number][] = [
        ["10m", 600],
        ["1h30m", 5400],
        ["90s", 90],
        ["300ms", 0.3],
        ["1.5h", 5400],
        ["2us", 0.000002],
        ["2µs", 0.000002],
        ["2μs", 0.000002],
        ["500ns", 0.0000005],
        ["0", 0],
        ["-1h", -3600],
        ["+2m", 120],
        [".5s", 0.5],
        ["1.s", 1],
        ["1h0m0s", 3600],
    ];
    for (const [s, seconds] of valid) {
        it(`'${s}' is ${seconds} s`, () => assert.equal(parseDuration(s), seconds));
    }
    const invalid = ["", "10", "10x", "1h 30m", "h", "1.2.3s", "-", "1e3s"];
    for (const s of invalid) {
        it(`'${s}' is an error naming the value`, () => assert.throws(() => parseDuration(s), { message: `unable to parse customTimeout Value ${s}` }));
    }
});
