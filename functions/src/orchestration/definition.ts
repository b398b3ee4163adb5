/**
 * The orchestration state machine (Amazon States Language), as a pure function the infrastructure program imports.
 *
 * What orchestration does in this pipeline: it replays parts of the stream through the exactly-once store, which
 * is how the pipeline recovers from every failure that the stages do not recover from themselves:
 *
 * - the dead-letter path of the process stage: when Lambda gives up on a batch (retries exhausted), the event
 *   source mapping sends the batch's coordinates (shard, first and last sequence number) to the process
 *   dead-letter queue; an execution started with that message re-stores exactly that range;
 * - a time range, on operator request: after an incident (a bucket restored from backup, objects deleted by
 *   mistake, process disabled for a while), re-store everything that arrived in [from, to).
 *
 * Replays are safe to repeat and to overlap with live processing: the store ledger skips every record already
 * stored, and re-stores records whose object is gone. Replays start within REPLAY_HORIZON_SECONDS (the ledger's
 * memory) and within the stream's retention.
 *
 *   Plan ──▶ ReplaySegments (Map over shards, MaxConcurrency) ──▶ Summarize ──▶ Outcome ──▶ Succeeded | Incomplete
 *              └ per segment: ReplaySegment ⟲ until done (each call bounded in time and records, with retries and
 *                back-off on transient errors); after the last retry → DeadLetterSegment (SQS) → counted, not fatal
 *   a request that cannot be planned → DeadLetterRequest (SQS) → RequestFailed
 *
 * Every task is the replay function (handlers/replay.ts) called through the `lambda:invoke` integration with a
 * small payload (orchestration/tasks.ts): references and counts, never records.
 */
import { TaskInput } from "./tasks";

export interface ReplayStateMachineOptions {
    /** ARN of the replay function. */
    readonly replayFunctionArn: string;
    /** URL of the orchestration dead-letter queue (segments and requests that failed after their retries). */
    readonly deadLetterQueueUrl: string;
    /** AWS partition of the ARNs. Default "aws". */
    readonly partition?: string;
    /** Shards replayed at once, 1-40. Default 4. */
    readonly maxConcurrency?: number;
    /** Attempts of a segment task after a transient error, 1-20. Default 6 (back-off 5 s doubling, capped at 5 min). */
    readonly maxAttempts?: number;
}

/** State names (stable: alarms, tests and run books refer to them). */
export const STATES = {
    plan: "Plan",
    deadLetterRequest: "DeadLetterRequest",
    requestFailed: "RequestFailed",
    replaySegments: "ReplaySegments",
    replaySegment: "ReplaySegment",
    segmentDone: "SegmentDone",
    segmentReplayed: "SegmentReplayed",
    deadLetterSegment: "DeadLetterSegment",
    segmentDeadLettered: "SegmentDeadLettered",
    summarize: "Summarize",
    outcome: "Outcome",
    succeeded: "ReplaySucceeded",
    incomplete: "ReplayIncomplete",
    failed: "ReplayFailed",
} as const;

/** Errors of the Lambda service itself (not of the function), retried on every Lambda task. */
export const LAMBDA_SERVICE_ERRORS = ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException"];

type Json = string | number | boolean | null | readonly Json[] | { readonly [k: string]: Json };

function checkInt(name: string, value: number, min: number, max: number): number {
    if (!Number.isInteger(value) || value < min || value > max) {
        throw new Error(`replayStateMachineDefinition: ${name} must be an integer in ${min}..${max}; got ${value}`);
    }
    return value;
}

/** The Parameters of a `lambda:invoke` task whose payload is `payload` (a TaskInput with JSONPath fields). */
function invoke(functionArn: string, payload: Record<string, Json>): Record<string, Json> {
    return { FunctionName: functionArn, Payload: payload };
}

/** The resources, function and retries every task uses. */
interface Tasks {
    readonly fn: string;
    readonly lambda: string;
    readonly sqs: string;
    readonly queueUrl: string;
    readonly serviceRetry: Record<string, Json>;
    readonly sqsRetry: Record<string, Json>;
}

/** Compile-time check that the payload templates name real task inputs. */
const task = <T extends TaskInput["task"]>(name: T): T => name;

export function replayStateMachineDefinition(options: ReplayStateMachineOptions): Record<string, Json> {
    const partition = options.partition ?? "aws";
    if (!/^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$/.test(options.replayFunctionArn)) {
        throw new Error(`replayStateMachineDefinition: replayFunctionArn must be a Lambda function ARN; got ${JSON.stringify(options.replayFunctionArn)}`);
    }
    if (!/^https:\/\/sqs\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/\d{12}\/[A-Za-z0-9_-]{1,80}$/.test(options.deadLetterQueueUrl)) {
        throw new Error(`replayStateMachineDefinition: deadLetterQueueUrl must be an SQS queue URL; got ${JSON.stringify(options.deadLetterQueueUrl)}`);
    }
    const maxConcurrency = checkInt("maxConcurrency", options.maxConcurrency ?? 4, 1, 40);
    const maxAttempts = checkInt("maxAttempts", options.maxAttempts ?? 6, 1, 20);
    const t: Tasks = {
        fn: options.replayFunctionArn,
        lambda: `arn:${partition}:states:::lambda:invoke`,
        sqs: `arn:${partition}:states:::sqs:sendMessage`,
        queueUrl: options.deadLetterQueueUrl,
        serviceRetry: { ErrorEquals: LAMBDA_SERVICE_ERRORS, IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 2, JitterStrategy: "FULL" },
        sqsRetry: { ErrorEquals: ["States.TaskFailed"], IntervalSeconds: 2, MaxAttempts: 5, BackoffRate: 2, JitterStrategy: "FULL" },
    };
    const { fn, lambda, sqs, serviceRetry, sqsRetry } = t;

    return {
        Comment: "Replays parts of the envelope stream through the exactly-once store (dead-lettered process batches, or a time range). Ciphertext only.",
        StartAt: STATES.plan,
        States: {
            [STATES.plan]: {
                Type: "Task",
                Comment: "Turns the request into segments: one per shard and range.",
                Resource: lambda,
                Parameters: invoke(fn, { task: task("plan"), "request.$": "$" }),
                ResultSelector: { "segments.$": "$.Payload.segments" },
                ResultPath: "$.plan",
                TimeoutSeconds: 60,
                Retry: [serviceRetry, { ErrorEquals: ["TransientError"], IntervalSeconds: 5, MaxAttempts: 3, BackoffRate: 2, JitterStrategy: "FULL" }],
                Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: STATES.deadLetterRequest }],
                Next: STATES.replaySegments,
            },
            [STATES.deadLetterRequest]: {
                Type: "Task",
                Comment: "A request that could not be planned goes to the dead-letter queue as it came.",
                Resource: sqs,
                Parameters: {
                    QueueUrl: options.deadLetterQueueUrl,
                    MessageBody: { kind: "replay-request-failed", "request.$": "$$.Execution.Input", "error.$": "$.error", "execution.$": "$$.Execution.Id" },
                },
                ResultPath: null,
                Retry: [sqsRetry],
                Next: STATES.requestFailed,
            },
            [STATES.requestFailed]: { Type: "Fail", Error: "ReplayRequestFailed", Cause: "The replay request could not be planned; it was sent to the dead-letter queue." },
            [STATES.replaySegments]: {
                Type: "Map",
                ItemsPath: "$.plan.segments",
                ItemSelector: { "segment.$": "$$.Map.Item.Value", totals: { read: 0, stored: 0, duplicates: 0, invalid: 0 } },
                MaxConcurrency: maxConcurrency,
                ItemProcessor: segmentProcessor(t, maxAttempts),
                ResultPath: "$.results",
                Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: STATES.failed }],
                Next: STATES.summarize,
            },
            [STATES.summarize]: {
                Type: "Task",
                Resource: lambda,
                Parameters: invoke(fn, { task: task("summarize"), "results.$": "$.results" }),
                ResultSelector: { "summary.$": "$.Payload" },
                TimeoutSeconds: 60,
                Retry: [serviceRetry],
                Next: STATES.outcome,
            },
            [STATES.outcome]: {
                Type: "Choice",
                Choices: [{ Variable: "$.summary.deadLettered", NumericGreaterThan: 0, Next: STATES.incomplete }],
                Default: STATES.succeeded,
            },
            [STATES.succeeded]: { Type: "Succeed", OutputPath: "$.summary" },
            [STATES.incomplete]: { Type: "Fail", Error: "ReplayIncomplete", Cause: "Some segments failed after their retries; they were sent to the dead-letter queue." },
            [STATES.failed]: { Type: "Fail", Error: "ReplayFailed", Cause: "The replay could not run (see the execution history)." },
        },
    };
}

/** The Map's processor: one segment replayed call by call until done, or dead-lettered from where it stopped. */
function segmentProcessor(t: Tasks, maxAttempts: number): Record<string, Json> {
    const { fn, lambda, sqs, serviceRetry, sqsRetry } = t;
    return {
        ProcessorConfig: { Mode: "INLINE" },
        StartAt: STATES.replaySegment,
        States: {
            [STATES.replaySegment]: {
                Type: "Task",
                Comment: "Stores the next part of the segment (bounded per call) and returns the segment advanced.",
                Resource: lambda,
                Parameters: invoke(fn, { task: task("segment"), "segment.$": "$.segment", "totals.$": "$.totals" }),
                ResultSelector: { "segment.$": "$.Payload.segment", "done.$": "$.Payload.done", "totals.$": "$.Payload.totals" },
                TimeoutSeconds: 900,
                Retry: [
                    serviceRetry,
                    { ErrorEquals: ["TransientError"], IntervalSeconds: 5, MaxAttempts: maxAttempts, BackoffRate: 2, MaxDelaySeconds: 300, JitterStrategy: "FULL" },
                ],
                Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: STATES.deadLetterSegment }],
                Next: STATES.segmentDone,
            },
            [STATES.segmentDone]: {
                Type: "Choice",
                Choices: [{ Variable: "$.done", BooleanEquals: true, Next: STATES.segmentReplayed }],
                Default: STATES.replaySegment,
            },
            [STATES.segmentReplayed]: {
                Type: "Pass",
                Parameters: { status: "replayed", "segment.$": "$.segment", "totals.$": "$.totals" },
                End: true,
            },
            [STATES.deadLetterSegment]: {
                Type: "Task",
                Comment: "The segment, from where it stopped, goes to the dead-letter queue; a new execution can resume it.",
                Resource: sqs,
                Parameters: {
                    QueueUrl: t.queueUrl,
                    MessageBody: { kind: "replay-segment-failed", "segment.$": "$.segment", "totals.$": "$.totals", "error.$": "$.error", "execution.$": "$$.Execution.Id" },
                },
                ResultPath: null,
                Retry: [sqsRetry],
                Next: STATES.segmentDeadLettered,
            },
            [STATES.segmentDeadLettered]: {
                Type: "Pass",
                Parameters: { status: "dead-lettered", "segment.$": "$.segment", "totals.$": "$.totals" },
                End: true,
            },
        },
    };
}

/** The definition as the JSON text `aws.sfn.StateMachine` takes. */
export function replayStateMachineJson(options: ReplayStateMachineOptions): string {
    return JSON.stringify(replayStateMachineDefinition(options));
}
