/**
 * Prints the number of cloud/Kubernetes resources per layer and per stack, building each stack
 * (Pulumi.<stack>.yaml) under Pulumi mocks. No cloud access.
 *
 *   npx ts-node --transpile-only scripts/resource-counts.ts
 */
import { stackNames } from "../tests/infra/support/harness";
import { LayerCounts, buildStack, countByLayer, formatCountTable } from "../tests/infra/support/stack";

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
