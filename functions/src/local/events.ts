/**
 * Lambda events and contexts as AWS delivers them (`@types/aws-lambda` shapes), for local runs and tests: an API
 * Gateway REST proxy event, a Kinesis event from stream records, and a Lambda context whose remaining time counts
 * down from a timeout.
 */
import type { APIGatewayProxyEvent, Context, KinesisStreamEvent, KinesisStreamRecord } from "aws-lambda";
import * as crypto from "node:crypto";
import { StreamRecord } from "../adapters/ports";

export interface RestApiRequest {
    readonly method?: string;
    readonly path?: string;
    readonly body?: string | null;
    readonly isBase64Encoded?: boolean;
    readonly headers?: Readonly<Record<string, string>>;
    readonly query?: Readonly<Record<string, string>>;
    /** What an API Gateway authoriser put in the request context (the recipient does not rely on it). */
    readonly authorizer?: Readonly<Record<string, unknown>>;
}

export function restApiEvent(req: RestApiRequest = {}): APIGatewayProxyEvent {
    const method = req.method ?? "POST";
    const path = req.path ?? "/";
    const requestId = crypto.randomUUID();
    return {
        resource: path,
        path,
        httpMethod: method,
        headers: { ...req.headers },
        multiValueHeaders: Object.fromEntries(Object.entries(req.headers ?? {}).map(([k, v]) => [k, [v]])),
        queryStringParameters: req.query ? { ...req.query } : null,
        multiValueQueryStringParameters: req.query ? Object.fromEntries(Object.entries(req.query).map(([k, v]) => [k, [v]])) : null,
        pathParameters: null,
        stageVariables: null,
        body: req.body === undefined ? null : req.body,
        isBase64Encoded: req.isBase64Encoded ?? false,
        requestContext: {
            accountId: "111122223333",
            apiId: "local",
            authorizer: req.authorizer ? { ...req.authorizer } : undefined,
            protocol: "HTTP/1.1",
            httpMethod: method,
            identity: {
                accessKey: null,
                accountId: null,
                apiKey: null,
                apiKeyId: null,
                caller: null,
                clientCert: null,
                cognitoAuthenticationProvider: null,
                cognitoAuthenticationType: null,
                cognitoIdentityId: null,
                cognitoIdentityPoolId: null,
                principalOrgId: null,
                sourceIp: "127.0.0.1",
                user: null,
                userAgent: "pipeline-local",
                userArn: null,
            },
            path: `/v1${path}`,
            stage: "v1",
            requestId,
            requestTimeEpoch: Date.now(),
            resourceId: "local",
            resourcePath: path,
        },
    };
}

export function kinesisRecord(shard: string, r: StreamRecord, streamArn: string, region: string): KinesisStreamRecord {
    return {
        eventSource: "aws:kinesis",
        eventVersion: "1.0",
        eventID: `${shard}:${r.sequenceNumber}`,
        eventName: "aws:kinesis:record",
        invokeIdentityArn: "arn:aws:iam::111122223333:role/local-process",
        awsRegion: region,
        eventSourceARN: streamArn,
        kinesis: {
            kinesisSchemaVersion: "1.0",
            partitionKey: r.partitionKey,
            sequenceNumber: r.sequenceNumber,
            data: r.data.toString("base64"),
            approximateArrivalTimestamp: r.arrivalMs / 1000,
        },
    };
}

export function kinesisEvent(shard: string, records: readonly StreamRecord[], streamArn: string, region: string): KinesisStreamEvent {
    return { Records: records.map((r) => kinesisRecord(shard, r, streamArn, region)) };
}

/** A Lambda context for `functionName` with `timeoutMs` to run, counting down from now. */
export function lambdaContext(functionName: string, timeoutMs = 60000): Context {
    const deadline = Date.now() + timeoutMs;
    return {
        callbackWaitsForEmptyEventLoop: false,
        functionName,
        functionVersion: "$LATEST",
        invokedFunctionArn: `arn:aws:lambda:eu-west-1:111122223333:function:${functionName}`,
        memoryLimitInMB: "512",
        awsRequestId: crypto.randomUUID(),
        logGroupName: `/aws/lambda/${functionName}`,
        logStreamName: "local",
        getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
        done: () => undefined,
        fail: () => undefined,
        succeed: () => undefined,
    };
}
