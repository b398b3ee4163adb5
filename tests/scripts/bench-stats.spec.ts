import { strict as assert } from "assert";
import { median } from "../../bench/stats";

describe("bench/stats median", () => {
    const table: [readonly number[], number][] = [
        [[5], 5],
        [[3, 1, 2], 2],
        [[4, 1, 3, 2], 2.5],
        [[1.62, 1.48, 1.57, 1.6, 1.54], 1.57],
        [[-1, -3], -2],
    ];
    for (const [xs, want] of table) {
        it(`${JSON.stringify(xs)} -> ${want}`, () => assert.equal(median(xs), want));
    }
    it("leaves its argument in its order", () => {
        const xs = [3, 1, 2];
        median(xs);
        assert.deepEqual(xs, [3, 1, 2]);
    });
    it("refuses an empty list", () => assert.throws(() => median([]), /median of an empty list/));
});
