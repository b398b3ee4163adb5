/** The replay's summarize task: the totals of every segment's result, and how many were replayed or dead-lettered. */
import { SegmentResult, Summary, Totals } from "../orchestration/tasks";

export function summarizeReplay(results: readonly SegmentResult[]): Summary {
    const sum = (k: keyof Totals): number => results.reduce((n, r) => n + (r.totals?.[k] ?? 0), 0);
    return {
        segments: results.length,
        replayed: results.filter((r) => r.status === "replayed").length,
        deadLettered: results.filter((r) => r.status === "dead-lettered").length,
        read: sum("read"),
        stored: sum("stored"),
        duplicates: sum("duplicates"),
        invalid: sum("invalid"),
    };
}
