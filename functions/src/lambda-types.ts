/** The parts of the Lambda event and result shapes our handlers use (API Gateway REST proxy v1, Kinesis). */

export interface ApiGatewayProxyEvent {
    readonly httpMethod?: string;
    readonly path?: string;
    readonly headers?: Readonly<Record<string, string | undefined>> | null;
    readonly queryStringParameters?: Readonly<Record<string, string | undefined>> | null;
    readonly body: string | null;
    readonly isBase64Encoded: boolean;
    readonly requestContext?: {
        readonly requestId?: string;
        /** Set by the API Gateway authoriser (Lambda authoriser context, or Cognito `claims`). */
        readonly authorizer?: Readonly<Record<string, unknown>> | null;
    };
}

export interface ApiGatewayProxyResult {
    readonly statusCode: number;
    readonly headers: Readonly<Record<string, string>>;
    readonly body: string;
}

export interface KinesisStreamRecord {
    /** `shardId-000000000000:49590338271490256608559692538361571095921575989136588898` */
    readonly eventID: string;
    readonly kinesis: {
        readonly data: string; // base64
        readonly partitionKey: string;
        readonly sequenceNumber: string;
        readonly approximateArrivalTimestamp?: number;
    };
}

export interface KinesisStreamEvent {
    readonly Records: readonly KinesisStreamRecord[];
}

export function json(statusCode: number, body: unknown): ApiGatewayProxyResult {
    return { statusCode, headers: { "content-type": "application/json", "cache-control": "no-store" }, body: JSON.stringify(body) };
}
