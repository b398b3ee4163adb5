/** The files a local run's functions write: structured logs and metric lines (JSON lines), and sums read back from them. */
import * as fs from "node:fs";
import * as path from "node:path";
import { MetricsSink } from "../adapters/ports";
import { Log } from "../telemetry";

/** A Log that appends JSON lines to a file (the functions' structured logs of a local run). */
export function fileLog(file: string, service: string): Log {
    const fd = fs.openSync(file, "a");
    const write = (level: string) => (message: unknown, ...extra: unknown[]): void => {
        fs.writeSync(fd, JSON.stringify(Object.assign({ level, service, message, timestamp: new Date().toISOString() }, ...extra.filter((e) => typeof e === "object"))) + "\n");
    };
    return { debug: write("DEBUG"), info: write("INFO"), warn: write("WARN"), error: write("ERROR") } as unknown as Log;
}

/** A metrics sink that appends each metric line to `file` in `logsDir`. */
export function metricsFile(logsDir: string, file: string): MetricsSink {
    const fd = fs.openSync(path.join(logsDir, file), "a");
    return (line) => fs.writeSync(fd, line + "\n");
}

/** The sum of metric `name` over the lines of `file` in `logsDir` (those `filter` keeps, when given). */
export function sumMetric(logsDir: string, file: string, name: string, filter?: (doc: Record<string, unknown>) => boolean): number {
    return fs
        .readFileSync(path.join(logsDir, file), "utf8")
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((d) => !filter || filter(d))
        .reduce((s, d) => s + Number(d[name] ?? 0), 0);
}
