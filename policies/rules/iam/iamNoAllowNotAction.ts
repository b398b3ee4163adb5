import { resourceRule } from "../../lib/rule";
import { documentsOf, parseLocated, quoteList, statementLabel, IDENTITY_POLICY_TYPES, RESOURCE_POLICY_TYPES, ROLE_TYPE } from "../../lib/iam";

export const iamNoAllowNotAction = resourceRule({
    name: "iam-no-allow-not-action",
    description: "IAM, key and bucket policies must not combine Allow with NotAction or NotResource (everything except a list).",
    details:
        "IAM, key and bucket policies must not combine \"Effect\": \"Allow\" with NotAction or NotResource: they grant everything except a list, which is close to administrator access.",
    severity: "high",
    framework: {
        paper: "5.1 Identity and access: least privilege",
        checkov: ["CKV_AWS_286", "CKV_AWS_289"],
    },
    remediationSteps:
        "Rewrite the statement with an explicit Action list and an explicit Resource list. If the intent is to forbid some actions, keep an Allow with explicit actions and add a separate Deny statement.",
    resourceTypes: [...IDENTITY_POLICY_TYPES, ...RESOURCE_POLICY_TYPES, ROLE_TYPE],
    validateResource: (args, report) => {
        for (const { located, doc } of parseLocated(documentsOf(args.type, args.props))) {
            if (doc === undefined) {
                continue;
            }
            for (const s of doc.statements) {
                if (s.effect !== "Allow") {
                    continue;
                }
                if (s.notAction !== undefined) {
                    report(
                        `${located.property} ${statementLabel(s)} uses "Effect": "Allow" with NotAction ${quoteList(s.notAction)}, which allows every other action of every service; use an explicit Action list.`,
                    );
                }
                if (s.notResource !== undefined) {
                    report(
                        `${located.property} ${statementLabel(s)} uses "Effect": "Allow" with NotResource ${quoteList(s.notResource)}, which applies to every other resource; use an explicit Resource list.`,
                    );
                }
            }
        }
    },
});
