/**
 * An HTTP proxy on 127.0.0.1 in front of a protocol server (s3rver, kinesalite, dynalite, the local KMS endpoint)
 * that can answer chosen requests itself: a service error (S3 `SlowDown`, a DynamoDB 500) or a dropped connection.
 * The SDK clients then meet real error responses on the wire and go through their own parsing and retries, which
 * is what the handlers must survive in AWS. It also keeps the method, path and headers of every request it saw,
 * for tests that assert what went over the wire.
 */
import * as http from "node:http";
import { AddressInfo } from "node:net";

export interface SeenRequest {
    readonly method: string;
    readonly url: string;
    readonly headers: Readonly<http.IncomingHttpHeaders>;
}

export type FaultResponse = { readonly status: number; readonly headers?: Readonly<Record<string, string>>; readonly body?: string } | "reset";

export interface Fault {
    /** Which requests the fault applies to. */
    readonly match: (req: SeenRequest) => boolean;
    /** How many matching requests get the fault (then it is spent). Default 1. */
    readonly times?: number;
    readonly response: FaultResponse;
}

/** S3's `503 SlowDown` as S3 sends it. */
export const S3_SLOW_DOWN: FaultResponse = {
    status: 503,
    headers: { "content-type": "application/xml" },
    body: '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>LOCALFAULT</RequestId></Error>',
};

/** S3's `500 InternalError`. */
export const S3_INTERNAL_ERROR: FaultResponse = {
    status: 500,
    headers: { "content-type": "application/xml" },
    body: '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message><RequestId>LOCALFAULT</RequestId></Error>',
};

/** A JSON-protocol service error (DynamoDB, Kinesis, KMS), e.g. `awsJsonError(500, "InternalServerError")`. */
export function awsJsonError(status: number, type: string, message = "injected by the local fault proxy"): FaultResponse {
    return { status, headers: { "content-type": "application/x-amz-json-1.0", "x-amzn-errortype": type }, body: JSON.stringify({ __type: type, message }) };
}

export class FaultProxy {
    /** Requests seen so far (method, path, headers), when `record` is on. */
    readonly seen: SeenRequest[] = [];
    record = false;
    private readonly faults: { fault: Fault; left: number }[] = [];
    private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

    private constructor(
        private readonly server: http.Server,
        private readonly target: { readonly host: string; readonly port: number },
    ) {}

    /** Starts a proxy on 127.0.0.1 (a free port) forwarding to `target`. */
    static async start(target: { readonly host: string; readonly port: number }): Promise<FaultProxy> {
        const server = http.createServer();
        const proxy = new FaultProxy(server, target);
        server.on("request", (req, res) => proxy.handle(req, res));
        await new Promise<void>((resolve, reject) => {
            server.once("error", reject);
            server.listen(0, "127.0.0.1", () => resolve());
        });
        return proxy;
    }

    get port(): number {
        return (this.server.address() as AddressInfo).port;
    }

    get endpoint(): string {
        return `http://127.0.0.1:${this.port}`;
    }

    inject(fault: Fault): void {
        this.faults.push({ fault, left: fault.times ?? 1 });
    }

    /** Faults not yet spent. */
    get pendingFaults(): number {
        return this.faults.reduce((n, f) => n + f.left, 0);
    }

    clearFaults(): void {
        this.faults.length = 0;
    }

    async close(): Promise<void> {
        this.agent.destroy();
        this.server.closeAllConnections();
        await new Promise<void>((resolve) => this.server.close(() => resolve()));
    }

    private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
        const seen: SeenRequest = { method: req.method ?? "GET", url: req.url ?? "/", headers: { ...req.headers } };
        if (this.record) {
            this.seen.push(seen);
        }
        const slot = this.faults.find((f) => f.left > 0 && f.fault.match(seen));
        if (slot) {
            slot.left--;
            const response = slot.fault.response;
            // Read the request body first, as a server does, then answer.
            req.resume();
            req.on("end", () => {
                if (response === "reset") {
                    req.socket.destroy();
                    return;
                }
                res.writeHead(response.status, { ...response.headers, "content-length": Buffer.byteLength(response.body ?? "") });
                res.end(response.body ?? "");
            });
            return;
        }
        const upstream = http.request(
            { host: this.target.host, port: this.target.port, method: req.method, path: req.url, headers: req.headers, agent: this.agent },
            (up) => {
                res.writeHead(up.statusCode ?? 502, up.headers);
                up.pipe(res);
            },
        );
        upstream.on("error", () => {
            if (!res.headersSent) {
                res.writeHead(502);
            }
            res.end();
        });
        req.pipe(upstream);
    }
}
