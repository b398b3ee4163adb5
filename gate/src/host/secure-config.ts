/**
 * `secure:` stack config the gate could not decrypt (cli/secrets.ts says when it can). The secret getters give an
 * unknown secret; the plain getters fail with a message naming the key, why, and the getter to use.
 */

const SECRET_GETTERS = ["getSecret", "requireSecret", "getSecretBoolean", "requireSecretBoolean", "getSecretNumber", "requireSecretNumber", "getSecretObject", "requireSecretObject"];
const PLAIN_GETTERS = ["get", "require", "getBoolean", "requireBoolean", "getNumber", "requireNumber", "getObject", "requireObject"];

/**
 * `secure:` values: secret getters give an unknown secret; plain getters fail naming the key and `why`. `unknownSecret`
 * makes that Output for a fully-qualified key (a simulated deployment's carries the key's marker,
 * host/simulation.ts); by default a plain unknown secret.
 */
export function patchSecureConfig(pulumi: typeof import("@pulumi/pulumi"), secure: Set<string>, why: string, unknownSecret?: (key: string) => unknown): void {
    if (secure.size === 0) {
        return;
    }
    const proto = pulumi.Config.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
    const OutputCtor = pulumi.Output as unknown as new (...a: unknown[]) => unknown;
    for (const m of SECRET_GETTERS) {
        const orig = proto[m];
        proto[m] = function (this: { name: string }, key: unknown, ...rest: unknown[]) {
            const full = `${this.name}:${String(key)}`;
            if (secure.has(full)) {
                if (unknownSecret !== undefined) return unknownSecret(full);
                return new OutputCtor(new Set(), Promise.resolve(undefined), Promise.resolve(false), Promise.resolve(true), Promise.resolve(new Set()));
            }
            return (orig as (...a: unknown[]) => unknown).call(this, key, ...rest);
        };
    }
    for (const m of PLAIN_GETTERS) {
        const orig = proto[m];
        proto[m] = function (this: { name: string }, key: unknown, ...rest: unknown[]) {
            const full = `${this.name}:${String(key)}`;
            if (secure.has(full)) {
                throw new Error(
                    `configuration '${full}' is a secure value, which the offline gate cannot decrypt (${why}); ` +
                        `read it with config.${m.startsWith("require") ? "requireSecret" : "getSecret"}("${String(key)}") (an unknown secret during the gate, as in a preview without the passphrase)`,
                );
            }
            return (orig as (...a: unknown[]) => unknown).call(this, key, ...rest);
        };
    }
}
