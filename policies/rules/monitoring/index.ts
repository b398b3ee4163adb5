import { cloudtrailMultiRegionValidatedEncrypted } from "./cloudtrailMultiRegionValidatedEncrypted";
import { guarddutyDetectorProtections } from "./guarddutyDetectorProtections";
import { logRetentionMinimum } from "./logRetentionMinimum";
import { vpcFlowLogsEnabled } from "./vpcFlowLogsEnabled";

export const rules = [cloudtrailMultiRegionValidatedEncrypted, logRetentionMinimum, vpcFlowLogsEnabled, guarddutyDetectorProtections];
