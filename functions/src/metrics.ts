/** CloudWatch embedded metric format (EMF): one JSON log line that CloudWatch turns into metrics. */
export const METRICS_NAMESPACE = "E2eePipeline";

export type Unit = "Count" | "Bytes" | "Milliseconds";

export function emfLine(
    dimensions: Readonly<Record<string, string>>,
    metrics: Readonly<Record<string, { value: number; unit: Unit }>>,
    timestamp: number = Date.now(),
): string {
    const doc: Record<string, unknown> = {
        _aws: {
            Timestamp: timestamp,
            CloudWatchMetrics: [
                {
                    Namespace: METRICS_NAMESPACE,
                    Dimensions: [Object.keys(dimensions)],
                    Metrics: Object.entries(metrics).map(([Name, m]) => ({ Name, Unit: m.unit })),
                },
            ],
        },
        ...dimensions,
    };
    for (const [name, m] of Object.entries(metrics)) {
        doc[name] = m.value;
    }
    return JSON.stringify(doc);
}
