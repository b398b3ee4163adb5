/**
 * `secure:` stack config, decrypted where the CLI itself could do it offline: a stack on the passphrase secrets
 * provider (its stack file carries `encryptionsalt`), with the passphrase in `PULUMI_CONFIG_PASSPHRASE` or
 * `PULUMI_CONFIG_PASSPHRASE_FILE`, as `pulumi preview` reads it. The algorithm is the CLI's (pulumi/pulumi
 * pkg/secrets/passphrase and sdk/go/common/resource/config/crypt.go, in our words): the key is PBKDF2-SHA256 of
 * the passphrase over the salt, 1,000,000 iterations, 32 bytes; every value is `v1:<nonce>:<ciphertext and tag>`
 * (base64) under AES-256-GCM; the salt state `v1:<salt>:<value>` carries the encryption of "pulumi", which tells
 * a wrong passphrase. Every other secrets provider (Pulumi Cloud, a cloud KMS, Vault) needs the network: its
 * values stay undecrypted.
 */
import { createDecipheriv, pbkdf2Sync } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { usageError } from "../shared/errors";

/** Why the gate cannot decrypt a stack's secure values, or how it can. */
export type SecretsAccess =
    | { readonly kind: "passphrase"; readonly decrypt: (value: string) => string }
    | { readonly kind: "unavailable"; readonly reason: string };

const ITERATIONS = 1_000_000;

function aesGcmOpen(key: Buffer, value: string): string {
    const parts = value.split(":");
    if (parts.length !== 3) throw new Error("bad value");
    if (parts[0] !== "v1") throw new Error("unknown value version");
    const nonce = Buffer.from(parts[1] as string, "base64");
    const sealed = Buffer.from(parts[2] as string, "base64");
    if (nonce.length !== 12) throw new Error("bad value: nonce size is incorrect");
    if (sealed.length < 16) throw new Error("bad value: too short");
    const d = createDecipheriv("aes-256-gcm", key, nonce);
    d.setAuthTag(sealed.subarray(sealed.length - 16));
    return Buffer.concat([d.update(sealed.subarray(0, sealed.length - 16)), d.final()]).toString("utf8");
}

/** The passphrase as the CLI reads it: the variable (even empty), else the file (trimmed); undefined when neither. */
export function passphraseFromEnv(env: NodeJS.ProcessEnv, cwd: string): string | undefined {
    const phrase = env["PULUMI_CONFIG_PASSPHRASE"];
    if (phrase !== undefined) return phrase;
    const file = env["PULUMI_CONFIG_PASSPHRASE_FILE"];
    if (file === undefined || file === "") return undefined;
    const full = path.resolve(cwd, file);
    try {
        return fs.readFileSync(full, "utf8").trim();
    } catch (e) {
        throw usageError(`unable to read PULUMI_CONFIG_PASSPHRASE_FILE (${full}): ${(e as Error).message}`);
    }
}

/**
 * How a stack file's secure values can be read. `stackFile` names the file in messages; `doc` is its parsed
 * content; `passphrase` what `passphraseFromEnv` found.
 */
export function secretsAccess(stackFile: string, doc: Record<string, unknown>, passphrase: string | undefined): SecretsAccess {
    const provider = typeof doc["secretsprovider"] === "string" ? doc["secretsprovider"] : "";
    const salt = typeof doc["encryptionsalt"] === "string" ? doc["encryptionsalt"] : "";
    if (provider !== "" && provider !== "passphrase") {
        return {
            kind: "unavailable",
            reason: provider === "default" ? "the stack's secrets provider is Pulumi Cloud, which the offline gate cannot reach" : `the stack's secrets provider ${provider} needs the network`,
        };
    }
    if (salt === "") {
        return { kind: "unavailable", reason: "the stack file has no encryptionsalt: its secrets provider is the Pulumi Cloud backend's, which the offline gate cannot reach" };
    }
    if (passphrase === undefined) {
        return { kind: "unavailable", reason: "the stack uses the passphrase secrets provider, and neither PULUMI_CONFIG_PASSPHRASE nor PULUMI_CONFIG_PASSPHRASE_FILE is set" };
    }
    const parts = salt.split(":");
    if (parts.length < 3 || parts[0] !== "v1") throw usageError(`${stackFile}: encryptionsalt is malformed (expected v1:<salt>:<check value>)`);
    const key = pbkdf2Sync(Buffer.from(passphrase, "utf8"), Buffer.from(parts[1] as string, "base64"), ITERATIONS, 32, "sha256");
    let check: string;
    try {
        check = aesGcmOpen(key, parts.slice(2).join(":"));
    } catch {
        check = "";
    }
    if (check !== "pulumi") {
        throw usageError(`incorrect passphrase for ${stackFile}: set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) to the stack's passphrase`);
    }
    return {
        kind: "passphrase",
        decrypt: (value) => {
            try {
                return aesGcmOpen(key, value);
            } catch (e) {
                throw usageError(`${stackFile}: a secure value cannot be decrypted with the stack's passphrase: ${(e as Error).message}`);
            }
        },
    };
}

/** A config value with every `{ secure: ... }` leaf decrypted (objects and arrays as the CLI gives them: JSON). */
export function decryptValue(v: unknown, decrypt: (value: string) => string): unknown {
    if (Array.isArray(v)) return v.map((x) => decryptValue(x, decrypt));
    if (typeof v === "object" && v !== null) {
        const o = v as Record<string, unknown>;
        if (Object.keys(o).length === 1 && typeof o["secure"] === "string") return decrypt(o["secure"]);
        return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, decryptValue(x, decrypt)]));
    }
    return v;
}
