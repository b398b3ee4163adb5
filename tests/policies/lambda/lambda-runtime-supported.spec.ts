import assert from "node:assert/strict";
import { lambdaRuntimeSupported } from "../../../policies/rules/lambda/lambdaRuntimeSupported";
import { UNKNOWN, runResourceRule } from "../harness";

const run = (props: Record<string, unknown>, config?: Record<string, unknown>) => runResourceRule(lambdaRuntimeSupported, { type: "aws:lambda/function:Function", props }, config);

describe("lambda-runtime-supported", () => {
    it("accepts current runtimes and image functions without a runtime", async () => {
        for (const runtime of ["nodejs22.x", "nodejs24.x", "python3.13", "java21", "provided.al2023"]) {
            assert.deepEqual((await run({ runtime })).messages, [], runtime);
        }
        assert.deepEqual((await run({ packageType: "Image", imageUri: "x" })).messages, []);
    });

    it("reports deprecated runtimes (nodejs20.x, python3.9, go1.x)", async () => {
        for (const runtime of ["nodejs20.x", "python3.9", "go1.x"]) {
            assert.deepEqual((await run({ runtime })).messages, [
                `runtime is "${runtime}", which AWS Lambda has deprecated (no more security patches); use a supported runtime such as "nodejs22.x" or "nodejs24.x".`,
            ]);
        }
    });

    it("uses the configured list", async () => {
        assert.deepEqual((await run({ runtime: "nodejs20.x" }, { deprecatedRuntimes: ["python3.9"] })).messages, []);
        assert.equal((await run({ runtime: "nodejs22.x" }, { deprecatedRuntimes: ["nodejs22.x"] })).messages.length, 1);
    });

    it("cannot decide an unknown runtime", async () => {
        assert.equal((await run({ runtime: UNKNOWN.string })).unknown, "string value at .runtime can't be known during preview");
    });
});
