/**
 * policies/conventions.ts is shared by the program and the pack: it must stay free of side effects and import
 * nothing but types, so that the program can use it without loading the pack and the pack stays standalone.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as conventions from "../../policies/conventions";

describe("policies/conventions (shared by the program and the pack)", function () {
    it("imports nothing but types and runs no code beyond its declarations", function () {
        const source = fs.readFileSync(path.join(__dirname, "..", "..", "policies", "conventions.ts"), "utf8");
        const imports = source.split("\n").filter((l) => /^\s*(import|export .* from)\b/.test(l) && !/^\s*import type\b/.test(l));
        assert.deepEqual(imports, []);
        assert.doesNotMatch(source, /\brequire\(/);
        const statements = source.split("\n").filter((l) => /^[A-Za-z]/.test(l) && !/^export (const|type) /.test(l) && !/^\]/.test(l));
        assert.deepEqual(statements, []);
    });

    it("names the tags and values the pack reads", function () {
        assert.equal(conventions.KEY_ROLE_TAG, "e2ee:key-role");
        assert.equal(conventions.PRINCIPAL_ROLE_TAG, "e2ee:principal-role");
        assert.equal(conventions.CLASSIFICATION_TAG, "data-classification");
        assert.deepEqual(conventions.KEY_ROLES, ["records", "storage", "logs", "secrets", "backup"]);
        assert.deepEqual(conventions.DATA_CLASSIFICATIONS, ["public", "internal", "confidential", "restricted"]);
        assert.ok(conventions.PRINCIPAL_ROLES.includes(conventions.PRODUCER_PRINCIPAL));
        assert.ok(conventions.PRINCIPAL_ROLES.includes(conventions.RECIPIENT_PRINCIPAL));
    });
});
