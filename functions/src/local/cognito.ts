/**
 * A stand-in for a Cognito user pool in local runs and tests: an RSA signing key, its JWKS, and ID tokens shaped as
 * Cognito issues them (RS256, `iss` = the pool's issuer URL, `aud` = the app client, `token_use: id`, the
 * `custom:tenants` attribute). The recipient verifies them with the same aws-jwt-verify code as in AWS, given this
 * JWKS instead of fetching the pool's.
 */
import * as crypto from "node:crypto";

export interface LocalJwk {
    readonly [field: string]: string;
    readonly kty: string;
    readonly kid: string;
    readonly alg: string;
    readonly use: string;
    readonly n: string;
    readonly e: string;
}

export interface IdTokenClaims {
    readonly sub?: string;
    /** Comma-separated tenants (the `custom:tenants` attribute), or undefined for none. */
    readonly tenants?: string;
    /** Seconds until expiry (negative: already expired). Default 900. */
    readonly expiresIn?: number;
    readonly audience?: string;
    readonly tokenUse?: "id" | "access";
    readonly issuer?: string;
}

const b64url = (b: Buffer | string): string => Buffer.from(b).toString("base64url");

export class LocalUserPool {
    readonly userPoolId: string;
    readonly clientId: string;
    readonly region: string;
    private readonly kid = crypto.randomBytes(8).toString("hex");
    private readonly privateKey: crypto.KeyObject;
    readonly jwks: { readonly keys: LocalJwk[] };

    constructor(region = "eu-west-1") {
        this.region = region;
        this.userPoolId = `${region}_Local${crypto.randomBytes(4).toString("hex")}`;
        this.clientId = crypto.randomBytes(13).toString("hex");
        const { publicKey, privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
        this.privateKey = privateKey;
        const jwk = publicKey.export({ format: "jwk" }) as { kty: string; n: string; e: string };
        this.jwks = { keys: [{ kty: jwk.kty, n: jwk.n, e: jwk.e, kid: this.kid, alg: "RS256", use: "sig" }] };
    }

    get issuer(): string {
        return `https://cognito-idp.${this.region}.amazonaws.com/${this.userPoolId}`;
    }

    /** A signed ID token; `signWith` signs with another key (a forged token). */
    idToken(claims: IdTokenClaims = {}, signWith?: crypto.KeyObject): string {
        const now = Math.floor(Date.now() / 1000);
        const sub = claims.sub ?? crypto.randomUUID();
        const payload: Record<string, unknown> = {
            sub,
            aud: claims.audience ?? this.clientId,
            iss: claims.issuer ?? this.issuer,
            token_use: claims.tokenUse ?? "id",
            auth_time: now,
            iat: now,
            exp: now + (claims.expiresIn ?? 900),
            "cognito:username": sub,
            ...(claims.tenants !== undefined ? { "custom:tenants": claims.tenants } : {}),
        };
        const head = b64url(JSON.stringify({ kid: this.kid, alg: "RS256", typ: "JWT" }));
        const body = b64url(JSON.stringify(payload));
        const signature = crypto.sign("sha256", Buffer.from(`${head}.${body}`), signWith ?? this.privateKey);
        return `${head}.${body}.${b64url(signature)}`;
    }
}
