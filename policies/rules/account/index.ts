import { cloudtrailEnabled } from "./cloudtrailEnabled";
import { configRecorderEnabled } from "./configRecorderEnabled";
import { guarddutyEnabled } from "./guarddutyEnabled";
import { s3AccountPublicAccessBlocked } from "./s3AccountPublicAccessBlocked";
import { securityhubEnabled } from "./securityhubEnabled";

/** Account-level singletons: each rule judges only a stack that opts in with accountBaseline: true. */
export const rules = [guarddutyEnabled, securityhubEnabled, configRecorderEnabled, cloudtrailEnabled, s3AccountPublicAccessBlocked];
