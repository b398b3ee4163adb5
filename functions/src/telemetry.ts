/**
 * Structured logs and CloudWatch metrics through Powertools for AWS Lambda: `Logger` writes one JSON object per log
 * line, `Metrics` formats CloudWatch embedded metric format (EMF). Metrics are serialised by Powertools and written
 * to a sink (stdout in Lambda, a file in local runs), one EMF line per invocation.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { MetricsSink } from "./adapters/ports";

export const METRICS_NAMESPACE = "E2eePipeline";

/** What the handlers log through: a Powertools Logger, or anything with the same methods (tests). */
export type Log = Pick<Logger, "debug" | "info" | "warn" | "error">;

export function createLogger(serviceName: string): Logger {
    return new Logger({ serviceName });
}

export type Unit = "Count" | "Bytes" | "Milliseconds";

const UNITS: Readonly<Record<Unit, (typeof MetricUnit)[keyof typeof MetricUnit]>> = { Count: MetricUnit.Count, Bytes: MetricUnit.Bytes, Milliseconds: MetricUnit.Milliseconds };

/**
 * Publishes one EMF line: `values` under the dimensions `service` (the function) and `dimensions`. A fresh Powertools
 * `Metrics` per call, so concurrent invocations sharing a handler (local runs) never mix their values.
 */
export function publishMetrics(
    sink: MetricsSink,
    serviceName: string,
    dimensions: Readonly<Record<string, string>>,
    values: Readonly<Record<string, { readonly value: number; readonly unit: Unit }>>,
): void {
    const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName });
    for (const [name, value] of Object.entries(dimensions)) {
        metrics.addDimension(name, value);
    }
    for (const [name, m] of Object.entries(values)) {
        metrics.addMetric(name, UNITS[m.unit], m.value);
    }
    sink(JSON.stringify(metrics.serializeMetrics()));
    metrics.clearMetrics();
}
