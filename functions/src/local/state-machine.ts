/**
 * Runs the orchestration state machine (orchestration/definition.ts) on this machine with aws-local-stepfunctions,
 * against the real replay handler: each Lambda task goes through a local `lambda:invoke` integration (the task's
 * `Payload` is the event, the handler's result comes back as `{ Payload, StatusCode }`, a thrown error fails the
 * task with the error's name, as Step Functions reports a function error), and each SQS task appends its message
 * body to a local dead-letter queue.
 */
import type { Context } from "aws-lambda";
import { StateMachine } from "aws-local-stepfunctions";
import * as crypto from "node:crypto";
import { ReplayHandler } from "../handlers/replay";
import { replayStateMachineDefinition, STATES } from "../orchestration/definition";
import { ReplayRequest, TaskInput } from "../orchestration/tasks";
import { lambdaContext } from "./events";

export const LOCAL_REPLAY_FUNCTION_ARN = "arn:aws:lambda:eu-west-1:111122223333:function:local-replay";
export const LOCAL_DEAD_LETTER_QUEUE_URL = "https://sqs.eu-west-1.amazonaws.com/111122223333/local-orchestration-dlq";

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

export interface LocalExecution {
    readonly ok: boolean;
    /** The execution's output (the summary) when it succeeded. */
    readonly output?: Json;
    /** The error name when it failed (ReplayIncomplete, ReplayRequestFailed, ReplayFailed). */
    readonly error?: string;
    readonly deadLetters: readonly Json[];
    /** Every task payload the replay function received, for checks on their shape and size. */
    readonly payloads: readonly TaskInput[];
}

/** A function error as the lambda:invoke integration surfaces it: the error's name is the Step Functions error. */
class TaskError extends Error {
    constructor(name: string, message: string) {
        super(message);
        this.name = name;
    }
}

export async function runReplayStateMachine(
    handler: ReplayHandler,
    request: ReplayRequest,
    options: { readonly contextFor?: () => Context; readonly maxConcurrency?: number } = {},
): Promise<LocalExecution> {
    const definition = replayStateMachineDefinition({
        replayFunctionArn: LOCAL_REPLAY_FUNCTION_ARN,
        deadLetterQueueUrl: LOCAL_DEAD_LETTER_QUEUE_URL,
        maxConcurrency: options.maxConcurrency ?? 4,
    });
    const payloads: TaskInput[] = [];
    const deadLetters: Json[] = [];
    const lambdaInvoke = async (parameters: Json): Promise<Json> => {
        const { FunctionName, Payload } = parameters as { FunctionName: string; Payload: TaskInput };
        if (FunctionName !== LOCAL_REPLAY_FUNCTION_ARN) {
            throw new TaskError("Lambda.ResourceNotFoundException", `no local function ${FunctionName}`);
        }
        payloads.push(Payload);
        try {
            const result = await handler(Payload, options.contextFor?.() ?? lambdaContext("local-replay", 900_000));
            return { ExecutedVersion: "$LATEST", StatusCode: 200, Payload: JSON.parse(JSON.stringify(result)) as Json };
        } catch (err) {
            const e = err as Error;
            throw new TaskError(e.name || "Error", e.message);
        }
    };
    const sqsSend = async (parameters: Json): Promise<Json> => {
        const { QueueUrl, MessageBody } = parameters as { QueueUrl: string; MessageBody: Json };
        if (QueueUrl !== LOCAL_DEAD_LETTER_QUEUE_URL) {
            throw new TaskError("SQS.QueueDoesNotExistException", `no local queue ${QueueUrl}`);
        }
        deadLetters.push(MessageBody);
        return { MessageId: crypto.randomUUID(), MD5OfMessageBody: crypto.createHash("md5").update(JSON.stringify(MessageBody)).digest("hex") };
    };
    const machine = new StateMachine(definition as never);
    const executionId = `arn:aws:states:eu-west-1:111122223333:execution:local-replay:${crypto.randomUUID()}`;
    const run = machine.run(request as unknown as Json, {
        overrides: {
            taskResourceLocalHandlers: {
                [STATES.plan]: lambdaInvoke,
                [STATES.replaySegment]: lambdaInvoke,
                [STATES.summarize]: lambdaInvoke,
                [STATES.deadLetterRequest]: sqsSend,
                [STATES.deadLetterSegment]: sqsSend,
            },
            // The retries happen, without their production back-off.
            retryIntervalOverrides: { [STATES.plan]: 0, [STATES.replaySegment]: 0, [STATES.summarize]: 0, [STATES.deadLetterRequest]: 0, [STATES.deadLetterSegment]: 0 },
        },
        context: { Execution: { Id: executionId, Input: request as unknown as Json, Name: executionId.split(":").pop(), StartTime: new Date().toISOString() } },
    });
    try {
        const output = (await run.result) as Json;
        return { ok: true, output, deadLetters, payloads };
    } catch (err) {
        const cause = (err as { cause?: { name?: string } }).cause;
        const name = cause?.name ?? (err as Error).name;
        return { ok: false, error: name, deadLetters, payloads };
    }
}
