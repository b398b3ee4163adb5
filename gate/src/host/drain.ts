/**
 * The end of a program run, as the language host sees it: not when the program's main promise settles, but when
 * Node's event loop is empty and every `beforeExit` handler's work is done. Libraries register resources from
 * `beforeExit` handlers (@pulumi/aws creates the S3 bucket notifications of `bucket.onObjectCreated` there), so
 * the language host runs its own handler last (@pulumi/pulumi cmd/run/index.ts, in our words): a first
 * `beforeExit` handler, registered before the program runs, adds the real one on the next tick of the first
 * `beforeExit` (after the handlers registered by then) and schedules one more turn of the event loop; when the
 * loop is empty again, `beforeExit` runs the program's handlers again and then the real one.
 */

/** Calls `done` once, when the program has drained (the language host's shutdown point). */
export function whenDrained(done: () => void): void {
    let registered = false;
    let fired = false;
    const last = (): void => {
        if (fired) return;
        fired = true;
        done();
    };
    process.on("beforeExit", () => {
        process.nextTick(() => {
            if (registered) return;
            registered = true;
            setImmediate(() => undefined); // one more turn of the event loop, then beforeExit again
            process.on("beforeExit", last);
        });
    });
}
