/**
 * Messages about a child process that exited carry what it wrote last. Its `exit` can come before the last of
 * its output has been read from the pipes.
 */
import type { ChildProcess } from "child_process";

/** How long a message waits for the rest of an exited process's output (a process it started may hold its pipes open). */
export const OUTPUT_WAIT_MS = 1000;

/**
 * Settles once the exited `child`'s stdio pipes have closed (`close`: everything it wrote has been read), or
 * `OUTPUT_WAIT_MS` later. Call it from an `exit` listener: `close` never comes before `exit`.
 */
export function outputRead(child: ChildProcess): Promise<void> {
    return new Promise((resolve) => {
        const timer = setTimeout(resolve, OUTPUT_WAIT_MS);
        child.once("close", () => {
            clearTimeout(timer);
            resolve();
        });
    });
}
