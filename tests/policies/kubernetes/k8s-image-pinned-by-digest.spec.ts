import assert from "node:assert/strict";
import { k8sImagePinnedByDigest } from "../../../policies/rules/kubernetes/k8sImagePinnedByDigest";
import { runResourceRule } from "../harness";
import { DIGEST, restrictedContainer, restrictedPod, wrap } from "./fixtures";

const run = (pod: Record<string, unknown>, type = "kubernetes:apps/v1:StatefulSet") => runResourceRule(k8sImagePinnedByDigest, { type, props: wrap(type, pod) });

describe("k8s-image-pinned-by-digest", () => {
    it("accepts digests (with or without a tag)", async () => {
        assert.deepEqual((await run(restrictedPod())).messages, []);
        assert.deepEqual((await run({ containers: [{ name: "a", image: `busybox@${DIGEST}` }] })).messages, []);
    });

    it("reports tags, latest and malformed digests, including init containers", async () => {
        const pod = {
            ...restrictedPod(),
            initContainers: [{ ...restrictedContainer("init"), image: "busybox:1.36" }],
            containers: [{ ...restrictedContainer("app"), image: "app" }, { ...restrictedContainer("side"), image: "side@sha256:abc" }],
        };
        assert.deepEqual((await run(pod)).messages, [
            'StatefulSet spec.template.spec.initContainers[0] ("init") image "busybox:1.36" is not pinned by digest; use "<image>@sha256:<digest>".',
            'StatefulSet spec.template.spec.containers[0] ("app") image "app" is not pinned by digest; use "<image>@sha256:<digest>".',
            'StatefulSet spec.template.spec.containers[1] ("side") image "side@sha256:abc" is not pinned by digest; use "<image>@sha256:<digest>".',
        ]);
    });

    it("checks Jobs", async () => {
        assert.deepEqual((await run({ containers: [{ name: "j", image: "j:latest" }] }, "kubernetes:batch/v1:Job")).messages, [
            'Job spec.template.spec.containers[0] ("j") image "j:latest" is not pinned by digest; use "<image>@sha256:<digest>".',
        ]);
    });
});
