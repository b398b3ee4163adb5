import { backupVaultSeparateKey } from "./backupVaultSeparateKey";

export const rules = [backupVaultSeparateKey];
