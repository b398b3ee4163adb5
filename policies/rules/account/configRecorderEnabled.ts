import { stackRule } from "../../lib/rule";
import { Undecided, peek } from "../../lib/unknown";
import { BASELINE_NOTE, ofTypes } from "./baseline";

export const configRecorderEnabled = stackRule({
    name: "config-recorder-enabled",
    description: "Account baseline: the stack that owns the account's baseline must record configuration with AWS Config and turn the recorder on.",
    details: `${BASELINE_NOTE} Needs an aws.cfg.Recorder, an aws.cfg.DeliveryChannel and an aws.cfg.RecorderStatus with isEnabled: true.`,
    severity: "medium",
    optIn: "accountBaseline",
    framework: { paper: "5.5 Runtime: audit logging; articles: CloudTrail and Config for audit", securityHub: ["Config.1"] },
    remediationSteps: "In the account-baseline stack add an aws.cfg.Recorder (recordingGroup allSupported), an aws.cfg.DeliveryChannel to an encrypted bucket, and an aws.cfg.RecorderStatus with isEnabled: true that depends on the delivery channel.",
    validateStack: (args, report) => {
        const undecided = new Undecided();
        const missing: string[] = [];
        if (ofTypes(args.resources, ["aws:cfg/recorder:Recorder"]).length === 0) {
            missing.push("no aws.cfg.Recorder");
        }
        if (ofTypes(args.resources, ["aws:cfg/deliveryChannel:DeliveryChannel"]).length === 0) {
            missing.push("no aws.cfg.DeliveryChannel");
        }
        const statuses = ofTypes(args.resources, ["aws:cfg/recorderStatus:RecorderStatus"]);
        const on = statuses.filter((s) => {
            const v = peek(s.props, "isEnabled");
            if (!v.known) {
                undecided.add(`isEnabled of RecorderStatus "${s.name}" is unknown`);
            }
            return !v.known || v.value === true;
        });
        if (on.length === 0 && undecided.isEmpty) {
            missing.push(statuses.length === 0 ? "no aws.cfg.RecorderStatus" : "no aws.cfg.RecorderStatus with isEnabled: true");
        }
        if (missing.length > 0) {
            report(`the stack owns the account baseline (accountBaseline: true) but has ${missing.join(", ")}; AWS Config does not record the account's configuration changes.`);
        }
        undecided.finish();
    },
});
