/**
 * The committed pack config our own stacks run with (policy-pack-config.json at the repository root): it opts
 * into the house tagging conventions and the account-baseline checks each stack owns. `.ci/run`, the README's
 * commands and the workflow pass the same file.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Config } from "./harness";

export const HOUSE_CONFIG_PATH = path.join(__dirname, "..", "..", "policy-pack-config.json");

export const HOUSE_CONFIG: Readonly<Record<string, Config>> = JSON.parse(fs.readFileSync(HOUSE_CONFIG_PATH, "utf8")) as Record<string, Config>;
