/**
 * The progress line: on a terminal, a run that takes more than two seconds says what it is doing (the
 * program, the packs, the resources registered and analyzed) on one line of stderr, redrawn in place and
 * cleared before the report. Never in CI, when stderr is not a terminal, or with --quiet.
 */

/** What one run (the preview, or the simulated deployment) has done so far. */
export interface RunProgress {
    /** The program has finished (all its resources registered). */
    programDone: boolean;
    /** Resources registered so far (the root stack and components included). */
    registered: number;
    /** Policy packs, and how many of them are started and configured. */
    packs: number;
    packsReady: number;
    /** Analyze calls answered (one per resource and pack). */
    analyzed: number;
    /** AnalyzeStack is running. */
    stackAnalysis: boolean;
}

/** What the gate has done so far (updated in place by the runs; read when the line is drawn): the preview's fields. */
export interface GateProgress extends RunProgress {
    /** The simulated deployment (absent with --no-simulate); `stopped` once it could not go on. */
    simulation?: RunProgress & { stopped?: boolean };
}

export function newRunProgress(packs: number): RunProgress {
    return { programDone: false, registered: 0, packs, packsReady: 0, analyzed: 0, stackAnalysis: false };
}

export function newProgress(packs: number, simulate = false): GateProgress {
    return { ...newRunProgress(packs), ...(simulate ? { simulation: newRunProgress(packs) } : {}) };
}

function ci(env: NodeJS.ProcessEnv): boolean {
    const v = env["CI"];
    return v !== undefined && v !== "" && v !== "false" && v !== "0";
}

/** Whether to show the progress line: stderr is a terminal (not `TERM=dumb`), not CI (`CI` set), not --quiet. */
export function progressEnabled(o: { readonly isTTY: boolean; readonly env: NodeJS.ProcessEnv; readonly quiet: boolean }): boolean {
    return !o.quiet && o.isTTY && !ci(o.env) && o.env["TERM"] !== "dumb";
}

function runText(p: RunProgress): string {
    return [
        p.programDone ? `program done, ${p.registered} resources` : `program running, ${p.registered} resources registered`,
        p.packsReady < p.packs ? `packs starting (${p.packsReady}/${p.packs} ready)` : `packs ${p.packsReady}/${p.packs} ready`,
        p.stackAnalysis ? `${p.analyzed}/${p.registered * p.packs} analyzed, analyzing the stack` : `${p.analyzed}/${p.registered * p.packs} analyzed`,
    ].join("; ");
}

/**
 * The line for a state, e.g. `policy gate (3.1 s): program running, 120 resources registered; packs 1/1 ready;
 * 95/120 analyzed`, then ` | simulated deployment: ...` for the second run.
 */
export function progressText(p: GateProgress, elapsedMs: number): string {
    const sim = p.simulation;
    const tail = sim === undefined ? "" : ` | simulated deployment: ${sim.stopped === true ? "stopped" : runText(sim)}`;
    return `policy gate (${(elapsedMs / 1000).toFixed(1)} s): ${runText(p)}${tail}`;
}

/** Milliseconds before the line first shows: PULUMI_GATE_PROGRESS_AFTER_MS, default 2000. */
export function progressDelay(env: NodeJS.ProcessEnv = process.env): number {
    const v = Number(env["PULUMI_GATE_PROGRESS_AFTER_MS"]);
    return env["PULUMI_GATE_PROGRESS_AFTER_MS"] !== undefined && Number.isFinite(v) && v >= 0 ? v : 2000;
}

/** Draws the progress line on a terminal stream, redrawing it every `intervalMs` once `delayMs` have passed. */
export class ProgressLine {
    private state: GateProgress | undefined;
    private timer: NodeJS.Timeout | undefined;
    private drawn = false;
    private readonly start = Date.now();

    constructor(
        private readonly stream: NodeJS.WriteStream,
        private readonly delayMs = progressDelay(),
        private readonly intervalMs = 250,
    ) {}

    /** The run's progress object (kept and read on each redraw). */
    update(p: GateProgress): void {
        this.state = p;
        if (this.timer !== undefined) return;
        const first = Math.max(0, this.delayMs - (Date.now() - this.start));
        this.timer = setTimeout(() => {
            this.draw();
            this.timer = setInterval(() => this.draw(), this.intervalMs);
            this.timer.unref();
        }, first);
        this.timer.unref();
    }

    private draw(): void {
        if (this.state === undefined) return;
        const width = (this.stream.columns > 0 ? this.stream.columns : 100) - 1;
        const text = progressText(this.state, Date.now() - this.start);
        this.stream.write(`\r\x1b[2K${text.length > width ? text.slice(0, Math.max(0, width - 1)) + "…" : text}`);
        this.drawn = true;
    }

    /** Stops redrawing and clears the line. */
    stop(): void {
        if (this.timer !== undefined) {
            clearTimeout(this.timer);
            clearInterval(this.timer);
        }
        this.timer = undefined;
        if (this.drawn) this.stream.write("\r\x1b[2K");
        this.drawn = false;
    }
}
