import assert from "node:assert/strict";
import { lambdaFunctionUrlAuth } from "../../../policies/rules/entrypoints/lambdaFunctionUrlAuth";
import { runResourceRule } from "../harness";

const run = (authorizationType: string, config?: Record<string, unknown>) =>
    runResourceRule(lambdaFunctionUrlAuth, { type: "aws:lambda/functionUrl:FunctionUrl", name: "hook", props: { functionName: "f", authorizationType } }, config);

describe("lambda-function-url-auth", () => {
    it("accepts AWS_IAM", async () => {
        assert.deepEqual((await run("AWS_IAM")).messages, []);
    });
    it("reports NONE", async () => {
        assert.deepEqual((await run("NONE")).messages, [
            'authorizationType is "NONE", so anyone on the internet can invoke the function through its URL; set authorizationType to "AWS_IAM" (or add "hook" to publicEntryPoints if it is public on purpose).',
        ]);
    });
    it("accepts an entry point listed as public on purpose", async () => {
        assert.deepEqual((await run("NONE", { publicEntryPoints: ["hook"] })).messages, []);
    });
});
