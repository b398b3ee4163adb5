import assert from "node:assert/strict";
import { apigatewayv2RouteAuthorized } from "../../../policies/rules/entrypoints/apigatewayv2RouteAuthorized";
import { UNKNOWN, runStackRule, type StackResourceInput } from "../harness";

const api = (protocolType: string, extra: Record<string, unknown> = {}): StackResourceInput => ({ type: "aws:apigatewayv2/api:Api", name: "api", props: { protocolType, ...extra } });
const route = (name: string, routeKey: string, authorizationType?: string): StackResourceInput => ({
    type: "aws:apigatewayv2/route:Route",
    name,
    props: { apiId: UNKNOWN.string, routeKey, ...(authorizationType === undefined ? {} : { authorizationType, authorizerId: UNKNOWN.string }) },
    propertyDependencies: { apiId: ["api"] },
});
const run = (rs: StackResourceInput[], config?: Record<string, unknown>) => runStackRule(apigatewayv2RouteAuthorized, rs, config);

describe("apigatewayv2-route-authorized", () => {
    it("accepts routes with an authorizer, and WebSocket message routes (only $connect takes one)", async () => {
        assert.deepEqual((await run([api("HTTP"), route("items", "GET /items", "JWT"), route("put", "PUT /items", "AWS_IAM")])).messages, []);
        assert.deepEqual((await run([api("WEBSOCKET"), route("connect", "$connect", "CUSTOM"), route("msg", "sendMessage")])).messages, []);
    });
    it("reports a route without an authorizer (the default)", async () => {
        assert.deepEqual((await run([api("HTTP"), route("items", "GET /items")])).messages, [
            'route "items" (GET /items) has authorizationType not set (NONE), so anyone who can reach the API can call it; set authorizationType with an authorizer (or add it to publicEntryPoints if it is public on purpose).',
        ]);
    });
    it("reports quick create (target), which adds an unauthorized $default route", async () => {
        assert.deepEqual((await run([api("HTTP", { target: "arn:aws:lambda:us-west-2:111122223333:function:f" })])).messages, [
            'HTTP API "api" sets target (quick create), which adds a $default route without authorization; define routes with an authorizer instead (or add "api" to publicEntryPoints if it is public on purpose).',
        ]);
    });
    it("accepts routes listed as public on purpose", async () => {
        assert.deepEqual((await run([api("HTTP"), route("health", "GET /health", "NONE")], { publicEntryPoints: ["GET /health"] })).messages, []);
    });
});
