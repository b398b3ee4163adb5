export * from "./errors";
export * from "./header";
export * from "./format";
export * from "./keys";
export * from "./limits";
export * from "./envelope";
