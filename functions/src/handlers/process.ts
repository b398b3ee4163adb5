/** process function (skeleton; replaced by the full implementation). */
export async function handler(event: unknown): Promise<unknown> {
    return { statusCode: 501, body: JSON.stringify({ function: "process", received: typeof event }) };
}
