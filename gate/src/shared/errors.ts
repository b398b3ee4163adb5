/** Errors that end the gate with exit code 2 and a one-paragraph message (no stack trace). */
export class GateError extends Error {
    constructor(
        message: string,
        /** Short category shown before the message, e.g. "usage", "program", "policy pack". */
        readonly category: "usage" | "program" | "policy pack" | "config" | "timeout",
    ) {
        super(message);
        this.name = "GateError";
    }
}

export function usageError(message: string): GateError {
    return new GateError(message, "usage");
}
