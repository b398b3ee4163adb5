import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { bundleFunction } from "../../functions/build";
import { FUNCTION_NAMES, FunctionName } from "../../functions/src/contract";

describe("functions/build bundleFunction", () => {
    for (const name of FUNCTION_NAMES) {
        it(`bundles ${name} into functions/dist/${name}/index.js exporting handler, with @aws-sdk left external`, () => {
            const dir = bundleFunction(name);
            assert.equal(dir, path.resolve(__dirname, "../../functions/dist", name));
            const file = path.join(dir, "index.js");
            const code = fs.readFileSync(file, "utf8");
            assert.match(code, /require\("@aws-sdk\/client-/);
            assert.equal(code.includes("@smithy/smithy-client"), false, "the SDK is not bundled");
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const mod = require(file) as { handler?: unknown };
            assert.equal(typeof mod.handler, "function");
        });
    }

    it("only the recipient bundle can decrypt: ingest, process and replay carry neither the KMS client nor AES-GCM decryption", () => {
        const expected: Record<FunctionName, string[]> = {
            ingest: ["@aws-sdk/client-dynamodb", "@aws-sdk/client-kinesis", "@aws-sdk/util-dynamodb"],
            process: ["@aws-sdk/client-dynamodb", "@aws-sdk/client-s3"],
            recipient: ["@aws-sdk/client-kms", "@aws-sdk/client-s3"],
            replay: ["@aws-sdk/client-dynamodb", "@aws-sdk/client-kinesis", "@aws-sdk/client-s3"],
        };
        for (const name of FUNCTION_NAMES) {
            const code = fs.readFileSync(path.join(bundleFunction(name), "index.js"), "utf8");
            const sdk = [...new Set([...code.matchAll(/require\("(@aws-sdk\/[a-z0-9-]+)"\)/g)].map((m) => m[1]))].sort();
            assert.deepEqual(sdk, expected[name], name);
            assert.equal(code.includes("createDecipheriv"), name === "recipient", `${name}: createDecipheriv`);
        }
    });

    it("skips the rebuild when the bundle is newer than every source file (fast under mocks)", () => {
        bundleFunction("ingest");
        const file = path.join(bundleFunction("ingest"), "index.js");
        const before = fs.statSync(file).mtimeMs;
        const started = process.hrtime.bigint();
        bundleFunction("ingest");
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        assert.equal(fs.statSync(file).mtimeMs, before);
        assert.ok(ms < 250, `${ms} ms`);
        bundleFunction("ingest", { force: true });
        assert.ok(fs.statSync(file).mtimeMs >= before);
    });

    it("refuses an unknown function name", () => {
        assert.throws(() => bundleFunction("serve" as FunctionName), { message: 'bundleFunction: name must be one of ingest, process, recipient, replay; got "serve"' });
    });
});
