import assert from "node:assert/strict";
import { apigatewayMethodAuthorized } from "../../../policies/rules/entrypoints/apigatewayMethodAuthorized";
import { UNKNOWN, runStackRule, urnOf, type StackResourceInput } from "../harness";

const METHOD = "aws:apigateway/method:Method";
const api = (types?: string[]): StackResourceInput => ({ type: "aws:apigateway/restApi:RestApi", name: "api", props: types === undefined ? { name: "api" } : { name: "api", endpointConfiguration: { types } } });
const res = (name: string, pathPart: string, parent: string): StackResourceInput => ({
    type: "aws:apigateway/resource:Resource",
    name,
    props: { restApi: UNKNOWN.string, parentId: UNKNOWN.string, pathPart },
    propertyDependencies: { restApi: ["api"], parentId: [parent] },
});
const method = (name: string, httpMethod: string, authorization: string, on: string): StackResourceInput => ({
    type: METHOD,
    name,
    props: { restApi: UNKNOWN.string, resourceId: UNKNOWN.string, httpMethod, authorization },
    propertyDependencies: { restApi: ["api"], resourceId: [on] },
});
const stack = (m: StackResourceInput, types?: string[]) => [api(types), res("items", "items", "api"), res("item", "{id}", "items"), m];
const run = (rs: StackResourceInput[], config?: Record<string, unknown>) => runStackRule(apigatewayMethodAuthorized, rs, config);

describe("apigateway-method-authorized", () => {
    it("accepts IAM, Cognito and custom authorizers, CORS preflight, and private APIs", async () => {
        for (const a of ["AWS_IAM", "COGNITO_USER_POOLS", "CUSTOM"]) {
            assert.deepEqual((await run(stack(method("get", "GET", a, "item")))).messages, [], a);
        }
        assert.deepEqual((await run(stack(method("cors", "OPTIONS", "NONE", "item")))).messages, []);
        assert.deepEqual((await run(stack(method("get", "GET", "NONE", "item"), ["PRIVATE"]))).messages, []);
    });
    it("reports a method without authorization, naming its route", async () => {
        const r = await run(stack(method("get", "GET", "NONE", "item")));
        assert.deepEqual(r.violations, [
            {
                message:
                    'method "get" (GET /items/{id}) has authorization "NONE", so anyone who can reach the API can call it; set authorization to "AWS_IAM", "COGNITO_USER_POOLS" or "CUSTOM" with an authorizer (or add it to publicEntryPoints if it is public on purpose).',
                urn: urnOf(METHOD, "get"),
            },
        ]);
    });
    it("accepts routes listed as public on purpose, by route or logical name", async () => {
        assert.deepEqual((await run(stack(method("health", "GET", "NONE", "items")), { publicEntryPoints: ["GET /items"] })).messages, []);
        assert.deepEqual((await run(stack(method("health", "GET", "NONE", "items")), { publicEntryPoints: ["health"] })).messages, []);
    });
});
