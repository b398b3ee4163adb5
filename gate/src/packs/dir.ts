import * as fs from "fs";
import * as path from "path";
import { usageError } from "../shared/errors";

/** Checks that DIR is a Node.js policy pack and returns its absolute path. */
export function checkPackDir(dir: string): string {
    const abs = path.resolve(dir);
    if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) {
        throw usageError(`policy pack directory ${abs} does not exist`);
    }
    const yamlFile = ["PulumiPolicy.yaml", "PulumiPolicy.yml"].map((f) => path.join(abs, f)).find((f) => fs.existsSync(f));
    if (yamlFile === undefined) {
        throw usageError(`${abs} is not a policy pack: it has no PulumiPolicy.yaml`);
    }
    const runtime = /^runtime:\s*(?:\n\s+name:\s*)?["']?([\w-]+)/m.exec(fs.readFileSync(yamlFile, "utf8"));
    if (runtime !== null && runtime[1] !== "nodejs") {
        throw usageError(`${yamlFile}: runtime '${runtime[1]}' is not supported; the gate serves Node.js policy packs`);
    }
    return abs;
}
