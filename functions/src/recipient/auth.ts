/**
 * Who calls the recipient, and for which tenants: the Cognito ID token of the Authorization header, verified by the
 * function itself (aws-jwt-verify: signature against the user pool's JWKS, issuer, audience = the app client, token
 * use, expiry); the caller's tenants come from the verified `custom:tenants` claim. The event's `authorizer` field
 * is never read: a principal allowed to invoke the function directly could write anything there.
 */
import type { APIGatewayProxyEvent } from "aws-lambda";
import { CognitoJwtVerifier } from "aws-jwt-verify";
import { FetchError, JwtBaseError } from "aws-jwt-verify/error";
import type { JwksCache } from "aws-jwt-verify/jwk";
import { Log } from "../telemetry";

export interface Caller {
    readonly subject: string;
    /** Tenants the caller may read; "*" for all. */
    readonly tenants: readonly string[];
}

export type AuthResult = { readonly ok: true; readonly caller: Caller } | { readonly ok: false; readonly transient: boolean; readonly reason: string };

/** Establishes who is calling from the request itself (never from the event's authorizer field). */
export type Authenticate = (event: APIGatewayProxyEvent) => Promise<AuthResult>;

/** The verified claim that lists a caller's tenants. */
export const TENANTS_CLAIM = "custom:tenants";

/** The tenants a `custom:tenants` claim lists (comma-separated, or "*"); undefined when it lists none. */
export function tenantsOf(claim: unknown): readonly string[] | undefined {
    if (typeof claim !== "string" || claim.trim() === "") {
        return undefined;
    }
    const list = claim.split(",").map((t) => t.trim()).filter((t) => t !== "");
    return list.length > 0 ? list : undefined;
}

/** Whether a caller with `tenants` may read `tenant`. */
export function mayRead(tenants: readonly string[], tenant: string): boolean {
    return tenants.includes("*") || tenants.includes(tenant);
}

/** The token from `Authorization: <token>` or `Authorization: Bearer <token>` (any header-name case). */
export function bearerToken(event: APIGatewayProxyEvent): string | undefined {
    for (const [name, value] of Object.entries(event.headers ?? {})) {
        if (name.toLowerCase() === "authorization" && typeof value === "string" && value.trim() !== "") {
            const v = value.trim();
            return /^bearer\s+/i.test(v) ? v.replace(/^bearer\s+/i, "") : v;
        }
    }
    return undefined;
}

export interface CognitoAuthOptions {
    readonly userPoolId: string;
    readonly clientId: string;
    /** The pool's JWKS, when it should not be fetched (ENV.recipient.USER_POOL_JWKS). */
    readonly jwks?: Parameters<JwksCache["addJwks"]>[1];
    readonly logger?: Log;
}

/** Verifies Cognito ID tokens of one user pool and app client (aws-jwt-verify); tenants from `custom:tenants`. */
export function cognitoAuthenticator(options: CognitoAuthOptions): Authenticate {
    const verifier = CognitoJwtVerifier.create({ userPoolId: options.userPoolId, clientId: options.clientId, tokenUse: "id" });
    if (options.jwks) {
        verifier.cacheJwks(options.jwks);
    }
    return async (event) => {
        const token = bearerToken(event);
        if (!token) {
            return { ok: false, transient: false, reason: "no token in the Authorization header" };
        }
        try {
            const payload = await verifier.verify(token);
            const tenants = tenantsOf(payload[TENANTS_CLAIM]);
            if (!tenants) {
                return { ok: false, transient: false, reason: `the token has no ${TENANTS_CLAIM} claim` };
            }
            return { ok: true, caller: { subject: String(payload.sub), tenants } };
        } catch (err) {
            if (err instanceof FetchError) {
                return { ok: false, transient: true, reason: `the user pool's keys could not be fetched: ${err.message}` };
            }
            if (err instanceof JwtBaseError) {
                return { ok: false, transient: false, reason: `${err.name}: ${err.message}` };
            }
            throw err;
        }
    };
}
