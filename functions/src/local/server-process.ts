/**
 * Runs a protocol server (s3rver, dynalite, kinesalite) in a child Node.js process on 127.0.0.1 with a free port.
 * A process of its own keeps the server's work off the test's or pipeline's thread, and lets s3rver run with the
 * OpenSSL legacy provider: it encrypts ListObjectsV2 continuation tokens with DES, which OpenSSL 3 (Node 22+)
 * refuses by default, so every truncated listing would fail. The child exits when its stdin closes (the parent
 * stopped it or died), so it never outlives the parent.
 */
import { ChildProcess, spawn } from "node:child_process";

export type ServerKind = "s3rver" | "dynalite" | "kinesalite";

export interface ServerProcess {
    readonly kind: ServerKind;
    readonly port: number;
    readonly pid: number;
    stop(): Promise<void>;
}

/** The child's program: start the server, print its port as JSON, exit when stdin ends. */
const PROGRAM = `
const [kind, modulePath, optionsJson] = process.argv.slice(1);
const options = JSON.parse(optionsJson);
const report = (port) => process.stdout.write(JSON.stringify({ port }) + "\\n");
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
const mod = require(modulePath);
if (kind === "s3rver") {
    new mod({ ...options, port: 0, address: "127.0.0.1", silent: true }).run().then((a) => report(a.port), (e) => { console.error(e); process.exit(1); });
} else {
    const server = mod(options);
    server.listen(0, "127.0.0.1", () => report(server.address().port));
}
`;

export async function startServerProcess(kind: ServerKind, options: Record<string, unknown>): Promise<ServerProcess> {
    const child: ChildProcess = spawn(process.execPath, ["--openssl-legacy-provider", "-e", PROGRAM, kind, require.resolve(kind), JSON.stringify(options)], {
        stdio: ["pipe", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr?.on("data", (c: Buffer) => (stderr += c.toString()));
    const port = await new Promise<number>((resolve, reject) => {
        let out = "";
        const onData = (c: Buffer): void => {
            out += c.toString();
            const line = out.split("\n")[0];
            if (out.includes("\n")) {
                child.stdout?.off("data", onData);
                try {
                    resolve((JSON.parse(line) as { port: number }).port);
                } catch {
                    reject(new Error(`${kind}: unexpected output ${JSON.stringify(line)}`));
                }
            }
        };
        child.stdout?.on("data", onData);
        child.once("exit", (code) => reject(new Error(`${kind} exited with ${code} before listening: ${stderr.trim()}`)));
        child.once("error", reject);
    });
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    return {
        kind,
        port,
        pid: child.pid ?? -1,
        async stop(): Promise<void> {
            child.stdin?.end();
            const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
            await exited;
            clearTimeout(timer);
        },
    };
}
