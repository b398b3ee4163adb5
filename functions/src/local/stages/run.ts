/** What every stage of a local run shares: the backend, the run's settings, where logs go, and progress. */
import * as path from "node:path";
import { Log } from "../../telemetry";
import { PipelineBackend } from "../backends";
import { fileLog } from "../run-files";

export interface Run {
    readonly backend: PipelineBackend;
    /** Good records produced. */
    readonly records: number;
    /** Kinesis batch size for process. */
    readonly batchSize: number;
    /** Ingest requests in flight. */
    readonly concurrency: number;
    /** Whether the faults are injected. */
    readonly faults: boolean;
    /** Key prefix of the data lake's batches. */
    readonly prefix: string;
    /** Metric and log files of the functions. */
    readonly logsDir: string;
    readonly progress: (stage: string, done: number, total: number) => void;
}

/** The structured log of function `service` in the run's logs directory (`<service>.log`). */
export function serviceLog(run: Run, service: string): Log {
    return fileLog(path.join(run.logsDir, `${service}.log`), service);
}
