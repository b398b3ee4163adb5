/**
 * The whole pipeline from a typed configuration: config -> keys -> network -> storage -> ingestion -> processing
 * -> orchestration -> serving -> monitoring. `infra/index.ts` calls `createPipeline(loadConfig())`; tests call it
 * once per stack under Pulumi mocks.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { FunctionName } from "../functions/src/contract";
import { PipelineConfig } from "./config";
import { IngestionLayer } from "./ingestion";
import { KeysLayer } from "./keys";
import { principalRoleName } from "./lib/principal";
import { MonitoringLayer } from "./monitoring";
import { NetworkLayer } from "./network";
import { OrchestrationLayer } from "./orchestration";
import { ProcessingLayer } from "./processing";
import { ServingLayer } from "./serving";
import { StorageLayer } from "./storage";

/** Logical names of the layer components; every child's logical name starts with `<layer>-`. */
export const LAYER_NAMES = ["keys", "network", "storage", "ingestion", "processing", "orchestration", "serving", "monitoring"] as const;
export type LayerName = (typeof LAYER_NAMES)[number];

/** Pulumi type token of each layer component. */
export const LAYER_TYPES: Readonly<Record<LayerName, string>> = {
    keys: "e2ee:pipeline:KeysLayer",
    network: "e2ee:pipeline:NetworkLayer",
    storage: "e2ee:pipeline:StorageLayer",
    ingestion: "e2ee:pipeline:IngestionLayer",
    processing: "e2ee:pipeline:ProcessingLayer",
    orchestration: "e2ee:pipeline:OrchestrationLayer",
    serving: "e2ee:pipeline:ServingLayer",
    monitoring: "e2ee:pipeline:MonitoringLayer",
};

/** Key prefix of the ciphertext batches in the data lake. */
export const DATA_PREFIX = "batches/";

export interface PipelineOptions {
    /** Lambda archive per function. Default: the esbuild bundle of functions/build.ts. Tests pass a small archive. */
    readonly functionCode?: (fn: FunctionName) => pulumi.asset.Archive;
    /** kubeconfig contents (secret). Default: the ambient kubeconfig (KUBECONFIG / ~/.kube/config). */
    readonly kubeconfig?: pulumi.Input<string>;
}

export interface Pipeline {
    readonly config: PipelineConfig;
    readonly keys: KeysLayer;
    readonly network: NetworkLayer;
    readonly storage: StorageLayer;
    readonly ingestion: IngestionLayer;
    readonly processing: ProcessingLayer;
    readonly orchestration: OrchestrationLayer;
    readonly serving: ServingLayer;
    readonly monitoring: MonitoringLayer;
    readonly kubernetesProvider?: k8s.Provider;
}

export function createPipeline(config: PipelineConfig, options: PipelineOptions = {}): Pipeline {
    const namePrefix = config.namePrefix;
    const tags = { project: "e2ee-pipeline", environment: config.environment };
    const partition = aws.getPartitionOutput().partition;
    const producerRoleName = principalRoleName(namePrefix, "producer");
    const recipientRoleName = principalRoleName(namePrefix, "recipient");

    // The records key policy names the producer and recipient roles, which the ingestion and serving layers create
    // later (and which themselves need other keys): KMS rejects a policy naming a role that does not exist yet, so
    // the records key waits for those two roles. They are picked up as they are constructed (a transformation on
    // the two layers that only records, never changes), and handed over once every layer exists.
    const principalRoles = new Map<string, pulumi.Resource>();
    let handOverRoles: (roles: pulumi.Resource[]) => void = () => undefined;
    const rolesCreated = new Promise<pulumi.Resource[]>((resolve) => (handOverRoles = resolve));
    const recordPrincipalRoles: pulumi.ResourceTransformation = (a) => {
        if (a.type === "aws:iam/role:Role" && (a.props.name === producerRoleName || a.props.name === recipientRoleName)) {
            principalRoles.set(a.props.name as string, a.resource);
        }
        return undefined;
    };

    const keys = new KeysLayer("keys", {
        namePrefix,
        region: config.region,
        partition,
        keyAdminArns: config.keyAdminArns,
        producerRoleName,
        recipientRoleName,
        recordsKeyDependsOn: rolesCreated,
        deletionWindowInDays: config.keyDeletionWindowDays,
        tags,
    });
    // Never leave the records key waiting if a later layer throws: release it (it then fails on its own) and rethrow.
    let layers: Omit<Pipeline, "config" | "keys">;
    try {
        layers = createLayers();
    } catch (e) {
        handOverRoles([]);
        throw e;
    }
    const missing = [producerRoleName, recipientRoleName].filter((n) => !principalRoles.has(n));
    if (missing.length > 0) {
        handOverRoles([]);
        throw new Error(`createPipeline: the records key policy names role(s) ${missing.join(", ")}, but no layer created them`);
    }
    handOverRoles([...principalRoles.values()]);
    return { config, keys, ...layers };

    function createLayers(): Omit<Pipeline, "config" | "keys"> {
        // What every layer is told: names, region, account, partition, tags; and where the layers that log write.
        const layer = { namePrefix, region: config.region, accountId: keys.accountId, partition, tags };
        const base = { ...layer, logsKeyArn: keys.logsKey.arn, logRetentionDays: config.logRetentionDays };

        const network = new NetworkLayer("network", {
            ...base,
            cidrBlock: config.vpcCidr,
            availabilityZoneCount: config.availabilityZoneCount,
        });

        const storage = new StorageLayer("storage", {
            ...layer,
            storageKeyArn: keys.storageKey.arn,
            backupKeyArn: keys.backupKey.arn,
            deletionProtection: config.deletionProtection,
            backupRetentionDays: config.backupRetentionDays,
            backupSchedule: config.backupSchedule,
        });

        const kubernetesProvider = config.kubernetes.enabled
            ? new k8s.Provider("kubernetes", {
                  ...(config.kubernetes.context !== undefined ? { context: config.kubernetes.context } : {}),
                  ...(options.kubeconfig !== undefined ? { kubeconfig: pulumi.secret(options.kubeconfig) } : {}),
                  namespace: config.kubernetes.namespace,
              })
            : undefined;

        const functionBase = {
            ...base,
            privateSubnetIds: network.privateSubnetIds,
            securityGroupIds: [network.workloadSecurityGroupId],
            envKeyArn: keys.secretsKey.arn,
            queueKeyArn: keys.storageKey.arn,
            memoryMb: config.functionMemoryMb,
            reservedConcurrency: config.functionReservedConcurrency,
            ...(options.functionCode !== undefined ? { functionCode: options.functionCode } : {}),
        };

        const ingestion = new IngestionLayer("ingestion", {
            ...functionBase,
            domainName: config.ingestDomainName,
            certificateArn: config.ingestCertificateArn,
            streamKeyArn: keys.storageKey.arn,
            streamShardCount: config.ingestShardCount,
            dedupTableName: storage.dedupTableName,
            dedupTableArn: storage.dedupTableArn,
            dedupTableKeyArn: keys.storageKey.arn,
            maxEnvelopeBytes: config.maxEnvelopeBytes,
            recordsKeyArn: keys.recordsKey.arn,
            producerTrustedPrincipalArns: config.producerTrustedPrincipalArns,
            producerExternalId: config.producerExternalId,
        }, { transformations: [recordPrincipalRoles] });

        const processing = new ProcessingLayer("processing", {
            ...functionBase,
            streamArn: ingestion.streamArn,
            streamKeyArn: keys.storageKey.arn,
            dataBucketName: storage.dataBucketName,
            dataBucketArn: storage.dataBucketArn,
            dataBucketKeyArn: keys.storageKey.arn,
            dataPrefix: DATA_PREFIX,
            recordsKeyArn: keys.recordsKey.arn,
        });

        const orchestration = new OrchestrationLayer("orchestration", {
            ...base,
            stateMachineKeyArn: keys.storageKey.arn,
            steps: [{ name: "ProcessBatch", functionArn: processing.processFunctionArn }],
            enableKubernetes: config.kubernetes.enabled,
            ...(kubernetesProvider !== undefined
                ? {
                      kubernetesProvider,
                      kubernetesNamespace: config.kubernetes.namespace,
                      vpcEndpointCidrs: [...network.privateSubnetCidrs],
                  }
                : {}),
        });

        const serving = new ServingLayer("serving", {
            ...functionBase,
            domainName: config.servingDomainName,
            certificateArn: config.servingCertificateArn,
            dataBucketName: storage.dataBucketName,
            dataBucketArn: storage.dataBucketArn,
            dataBucketKeyArn: keys.storageKey.arn,
            dataPrefix: DATA_PREFIX,
            recordsKeyArn: keys.recordsKey.arn,
            ...(ingestion.apiGatewayAccount !== undefined ? { apiGatewayAccount: ingestion.apiGatewayAccount } : {}),
            enableKubernetes: config.kubernetes.enabled,
            ...(kubernetesProvider !== undefined
                ? {
                      kubernetesProvider,
                      kubernetesNamespace: orchestration.namespaceName ?? config.kubernetes.namespace,
                      image: config.kubernetes.recipientImage,
                      certificateIssuerName: config.kubernetes.certificateIssuer,
                  }
                : {}),
        }, { transformations: [recordPrincipalRoles] });

        const queueName = (arn: pulumi.Output<string>): pulumi.Output<string> => arn.apply((a) => a.split(":").pop() ?? a);
        const monitoring = new MonitoringLayer("monitoring", {
            ...base,
            recordsKeyArn: keys.recordsKey.arn,
            recipientRoleArn: keys.recipientRoleArn,
            producerRoleArn: keys.producerRoleArn,
            dataEventBucketArns: [storage.dataBucketArn],
            streamName: ingestion.streamName,
            deadLetterQueues: {
                ingest: queueName(ingestion.ingestDeadLetterQueueArn),
                process: processing.processDeadLetterQueueName,
                recipient: serving.recipientDeadLetterQueueName,
            },
            functions: {
                ingest: ingestion.ingestFunctionName,
                process: processing.processFunctionName,
                recipient: serving.recipientFunctionName,
            },
            stateMachines: { pipeline: orchestration.stateMachineArn },
            restApis: {
                ingest: { apiName: ingestion.api.apiName, stage: ingestion.api.stageName },
                recipient: { apiName: serving.api.apiName, stage: serving.api.stageName },
            },
            flowLogGroupName: network.flowLogGroupName,
            thresholds: config.alarms,
            ...(config.alarmEmail !== undefined ? { alarmEmail: config.alarmEmail } : {}),
        });

        return { network, storage, ingestion, processing, orchestration, serving, monitoring, kubernetesProvider };
    }
}
