import { cloudtrailMultiRegionValidatedEncrypted } from "./cloudtrailMultiRegionValidatedEncrypted";
import { guarddutyEnabled } from "./guarddutyEnabled";
import { logRetentionMinimum } from "./logRetentionMinimum";
import { vpcFlowLogsEnabled } from "./vpcFlowLogsEnabled";

export const rules = [cloudtrailMultiRegionValidatedEncrypted, logRetentionMinimum, vpcFlowLogsEnabled, guarddutyEnabled];
