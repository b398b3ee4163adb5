/** API Gateway proxy results (JSON bodies, never cached). */
import type { APIGatewayProxyResult } from "aws-lambda";

export function json(statusCode: number, body: unknown, headers: Readonly<Record<string, string>> = {}): APIGatewayProxyResult {
    return { statusCode, headers: { "content-type": "application/json", "cache-control": "no-store", ...headers }, body: JSON.stringify(body) };
}
