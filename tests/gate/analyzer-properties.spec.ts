/**
 * Properties marshalled for analyzers as the engine marshals them (shared/analyzer-properties.ts): one row per
 * rule, from the wire form the runtime sends to what Analyze and AnalyzeStack receive.
 */
import { strict as assert } from "assert";
import { analyzerProperties } from "../../gate/src/shared/analyzer-properties";
import type { Json } from "../../gate/src/shared/types";

const SIG = "4dabf18193072939515e22adb298388d";
const RES = "5cf8f73096256a8f31e491e813e4eb8e";
const SECRET = "1b47061264138c4ac30d75fd1eb44270";
const OUTPUT = "d0e6a833031e9bbcd3f4e8bde6ca49a4";
const ASSET = "c44067f5952c0a294b673a41bacd8c17";
const ARCHIVE = "0def7320c3a5731c473e5ecbe6d01bc7";
const U = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const BUCKET = "urn:pulumi:dev::p::aws:s3/bucket:Bucket::b";
const COMP = "urn:pulumi:dev::p::x:index:Store::s";

describe("gate analyzerProperties (the engine's marshalling for analyzers)", () => {
    const rows: [string, Json, Json][] = [
        ["plain values stay", { a: 1, b: "x", c: true, d: null, e: [1, { f: "g" }] }, { a: 1, b: "x", c: true, d: null, e: [1, { f: "g" }] }],
        ["a custom resource with an unknown ID: the unknown string", { role: { [SIG]: RES, urn: BUCKET, id: U } }, { role: U }],
        ["a custom resource with an empty ID: unknown", { role: { [SIG]: RES, urn: BUCKET, id: "" } }, { role: U }],
        ["a custom resource with a known ID: the ID", { role: { [SIG]: RES, urn: BUCKET, id: "b-123", packageVersion: "7.0.0" } }, { role: "b-123" }],
        ["a component (no id): its URN", { parent: { [SIG]: RES, urn: COMP } }, { parent: COMP }],
        ["references in arrays, maps and nested objects", { l: [{ [SIG]: RES, urn: COMP }], m: { k: { n: { [SIG]: RES, urn: BUCKET, id: "i" } } } }, { l: [COMP], m: { k: { n: "i" } } }],
        ["a secret stays a secret, its value marshalled", { s: { [SIG]: SECRET, value: { [SIG]: RES, urn: BUCKET, id: U } } }, { s: { [SIG]: SECRET, value: U } }],
        ["every unknown sentinel becomes the unknown string", { b: "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7", n: "3eeb2bf0-c639-47a8-9e75-3b44932eb421", o: "dd056dcd-154b-4c76-9bd3-c8f88648b5ff" }, { b: U, n: U, o: U }],
        ["a known output value: its value", { o: { [SIG]: OUTPUT, value: "v", dependencies: [BUCKET] } }, { o: "v" }],
        ["an unknown output value: unknown", { o: { [SIG]: OUTPUT, dependencies: [BUCKET] } }, { o: U }],
        ["a secret output value: a secret", { o: { [SIG]: OUTPUT, value: "v", secret: true } }, { o: { [SIG]: SECRET, value: "v" } }],
        ["an unknown secret output value: an unknown secret", { o: { [SIG]: OUTPUT, secret: true } }, { o: { [SIG]: SECRET, value: U } }],
        [
            "an asset: its known fields only (the SDK's marker and empty fields dropped)",
            { a: { [SIG]: ASSET, __pulumiAsset: true, text: "hi", hash: "h" } },
            { a: { [SIG]: ASSET, hash: "h", text: "hi" } },
        ],
        [
            "an archive: a path, else a URI, else its assets (each re-serialized)",
            { p: { [SIG]: ARCHIVE, __pulumiArchive: true, path: "./dist" }, m: { [SIG]: ARCHIVE, assets: { "i.js": { [SIG]: ASSET, __pulumiAsset: true, text: "x" } } } },
            { p: { [SIG]: ARCHIVE, path: "./dist" }, m: { [SIG]: ARCHIVE, assets: { "i.js": { [SIG]: ASSET, text: "x" } } } },
        ],
        ["top-level keys that start with __ are dropped, nested ones kept", { __defaults: ["a"], a: { __x: 1 } }, { a: { __x: 1 } }],
    ];
    for (const [what, wire, want] of rows) {
        it(what, () => assert.deepEqual(analyzerProperties(wire as Record<string, Json>), want));
    }
});
