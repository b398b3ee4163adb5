/**
 * Prints the number of cloud/Kubernetes resources per layer and per stack, building each stack
 * (Pulumi.<stack>.yaml) under Pulumi mocks. No cloud access.
 *
 *   npm run resource-counts   (`-- --help` for the options)
 */
import { stackNames } from "../tests/infra/support/harness";
import { LayerCounts, buildStack, countByLayer, formatCountTable } from "../tests/infra/support/stack";
import { helpText, parseOrExit } from "./lib/options";

const OPTIONS = { help: { type: "boolean", short: "h", description: "this text" } } as const;
parseOrExit(OPTIONS, process.argv.slice(2), helpText("npm run resource-counts", "Prints the number of cloud and Kubernetes resources per layer and per stack (Pulumi mocks, no cloud access).", OPTIONS));

async function main(): Promise<void> {
    const perStack: Record<string, LayerCounts> = {};
    for (const stack of stackNames()) {
        const built = await buildStack(stack);
        perStack[stack] = countByLayer(built.resources);
    }
    console.log(formatCountTable(perStack));
}

main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
});
