import { policyWaiversApplied } from "./policyWaiversApplied";

/** Must be the last group in the pack: it reports the waivers applied by every other policy. */
export const rules = [policyWaiversApplied];
