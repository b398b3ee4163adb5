import { resourceRule } from "../../lib/rule";
import { containerLabel, containersOf, kindOf, podSpecOf, WORKLOAD_TYPES } from "../../lib/k8s";

const DIGEST = /@sha256:[0-9a-f]{64}$/;

export const k8sImagePinnedByDigest = resourceRule({
    name: "k8s-image-pinned-by-digest",
    description: "Container images in pod templates must be pinned by digest (image@sha256:...).",
    details:
        "Every container image in a pod template must be pinned by digest (image@sha256:<64 hex>), so the image that was scanned and signed is the one that runs (immutable infrastructure).",
    severity: "medium",
    framework: { paper: "5.3 Infrastructure: minimal, scanned, signed images; 2.2 immutable infrastructure", checkov: ["CKV_K8S_43"] },
    remediationSteps: "Reference the image by digest, e.g. registry/app:1.2.3@sha256:<digest> (resolve the digest in CI after signing).",
    resourceTypes: WORKLOAD_TYPES,
    validateResource: (args, report) => {
        const pod = podSpecOf(args.type, args.props);
        if (pod === undefined) {
            return;
        }
        for (const c of containersOf(pod)) {
            const image = c.container["image"];
            if (typeof image !== "string") {
                report(`${kindOf(args.type)} ${containerLabel(c)} has no image; set image to a reference pinned by digest (@sha256:...).`);
            } else if (!DIGEST.test(image)) {
                report(`${kindOf(args.type)} ${containerLabel(c)} image "${image}" is not pinned by digest; use "<image>@sha256:<digest>".`);
            }
        }
    },
});
