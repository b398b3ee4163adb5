import { cloudtrailSecure } from "./cloudtrailSecure";
import { guarddutyEnabled } from "./guarddutyEnabled";
import { logRetentionMinimum } from "./logRetentionMinimum";
import { vpcFlowLogs } from "./vpcFlowLogs";

export const rules = [cloudtrailSecure, logRetentionMinimum, vpcFlowLogs, guarddutyEnabled];
