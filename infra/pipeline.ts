/**
 * The whole pipeline from a typed configuration: the producer and recipient principals, then keys -> network ->
 * storage -> ingestion -> processing -> orchestration -> serving -> monitoring, each layer given what it needs from
 * the ones before as values. `infra/index.ts` calls `createPipeline(loadConfig())`; tests call it once per stack
 * under Pulumi mocks.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { FunctionName } from "../functions/src/contract";
import { RECIPIENT_SERVICE_ACCOUNT } from "./components/kubernetesRecipient";
import { Principal, kubernetesRecipientPrincipal, producerPrincipal, recipientPrincipal } from "./components/principal";
import { PipelineConfig } from "./config";
import { IngestionLayer } from "./ingestion";
import { KeysLayer } from "./keys";
import { topLevelUrn } from "./lib/component";
import { DATA_PREFIX } from "./lib/layout";
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

export { DATA_PREFIX };

export interface PipelineOptions {
    /** Lambda archive per function. Default: the esbuild bundle of functions/build.ts. Tests pass a small archive. */
    readonly functionCode?: (fn: FunctionName) => pulumi.asset.Archive;
    /** kubeconfig contents (secret). Default: the ambient kubeconfig (KUBECONFIG / ~/.kube/config). */
    readonly kubeconfig?: pulumi.Input<string>;
}

export interface Pipeline {
    readonly config: PipelineConfig;
    /** The producer's role: the only one that creates data keys under the records key. */
    readonly producer: Principal;
    /** The recipient function's role: with the Kubernetes recipient's, the only ones that decrypt with the records key. */
    readonly recipient: Principal;
    /** The Kubernetes recipient's IRSA role; undefined without the Kubernetes part. */
    readonly kubernetesRecipient?: Principal;
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
    // What every layer is told: names, region, account, partition, tags.
    const layer = {
        namePrefix,
        region: config.region,
        accountId: aws.getCallerIdentityOutput().accountId,
        partition: aws.getPartitionOutput().partition,
        tags,
    };

    // The records key's policy names the producer and recipient roles, and KMS refuses a key policy whose
    // principals do not exist: the two roles come first, the keys wait for them, and the ingestion and serving
    // layers grant them their permissions. Stacks deployed when those layers created the roles keep them (aliases).
    const producer = producerPrincipal("ingestion-producer", {
        ...layer,
        trust: { principalArns: config.producerTrustedPrincipalArns, externalId: config.producerExternalId },
        formerParent: topLevelUrn("ingestion", LAYER_TYPES.ingestion),
    });
    const recipient = recipientPrincipal("serving-recipient", { ...layer, formerParent: topLevelUrn("serving", LAYER_TYPES.serving) });
    // The recipient on Kubernetes decrypts too: its IRSA role (the cluster's OIDC provider, its service account).
    const kube = config.kubernetes;
    const kubernetesRecipient = kube.enabled
        ? kubernetesRecipientPrincipal("serving-k8s-recipient", {
              ...layer,
              trust: { providerArn: kube.oidcProviderArn, namespace: kube.namespace, serviceAccount: RECIPIENT_SERVICE_ACCOUNT },
          })
        : undefined;

    const keys = new KeysLayer("keys", {
        ...layer,
        keyAdminArns: config.keyAdminArns,
        producerRole: producer.role,
        recipientRole: recipient.role,
        ...(kubernetesRecipient !== undefined ? { otherRecipientRoles: [kubernetesRecipient.role] } : {}),
        deletionWindowInDays: config.keyDeletionWindowDays,
    });

    // Where the layers that write logs write them.
    const base = { ...layer, logsKeyArn: keys.logsKey.arn, logRetentionDays: config.logRetentionDays };

    const network = new NetworkLayer("network", {
        ...base,
        cidrBlock: config.vpcCidr,
        availabilityZoneCount: config.availabilityZoneCount,
        // Pods assume their IRSA role through the STS endpoint.
        webIdentityFederation: config.kubernetes.enabled,
    });

    const storage = new StorageLayer("storage", {
        ...layer,
        storageKeyArn: keys.storageKey.arn,
        backupKeyArn: keys.backupKey.arn,
        deletionProtection: config.deletionProtection,
        backupRetentionDays: config.backupRetentionDays,
        backupSchedule: config.backupSchedule,
    });

    // The Kubernetes part: its configuration, the provider of its cluster and the recipient's IRSA role, or nothing.
    const cluster =
        config.kubernetes.enabled && kubernetesRecipient !== undefined
        ? {
              config: config.kubernetes,
              recipientRole: kubernetesRecipient.role,
              provider: new k8s.Provider("kubernetes", {
                  ...(config.kubernetes.context !== undefined ? { context: config.kubernetes.context } : {}),
                  ...(options.kubeconfig !== undefined ? { kubeconfig: pulumi.secret(options.kubeconfig) } : {}),
                  namespace: config.kubernetes.namespace,
              }),
          }
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
        producerRole: producer.role,
        apiKeySecretKeyArn: keys.secretsKey.arn,
        apiKeyRotation: config.ingestApiKeyRotation,
    });

    const processing = new ProcessingLayer("processing", {
        ...functionBase,
        streamArn: ingestion.streamArn,
        streamName: ingestion.streamName,
        streamKeyArn: keys.storageKey.arn,
        dataBucketName: storage.dataBucketName,
        dataBucketArn: storage.dataBucketArn,
        dataBucketKeyArn: keys.storageKey.arn,
        dataPrefix: DATA_PREFIX,
        dedupTableName: storage.dedupTableName,
        dedupTableArn: storage.dedupTableArn,
        dedupTableKeyArn: keys.storageKey.arn,
        recordsKeyArn: keys.recordsKey.arn,
    });

    // Replays of what the stages could not store: every batch the process stage dead-letters, and operators' requests.
    const orchestration = new OrchestrationLayer("orchestration", {
        ...base,
        stateMachineKeyArn: keys.storageKey.arn,
        replayFunctionArn: processing.replayFunctionArn,
        queueKeyArn: keys.storageKey.arn,
        deadLetterSource: { queueArn: processing.processDeadLetterQueueArn, queueKeyArn: keys.storageKey.arn },
        recordsKeyArn: keys.recordsKey.arn,
        ...(cluster !== undefined
            ? { kubernetes: { provider: cluster.provider, namespace: cluster.config.namespace, vpcEndpointCidrs: [...network.privateSubnetCidrs] } }
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
        recipientRole: recipient.role,
        ...(ingestion.apiGatewayAccount !== undefined ? { apiGatewayAccount: ingestion.apiGatewayAccount } : {}),
        ...(cluster !== undefined
            ? {
                  kubernetes: {
                      provider: cluster.provider,
                      namespace: orchestration.namespaceName ?? cluster.config.namespace,
                      image: cluster.config.recipientImage,
                      certificateIssuerName: cluster.config.certificateIssuer,
                      role: cluster.recipientRole,
                  },
              }
            : {}),
    });

    const monitoring = new MonitoringLayer("monitoring", {
        ...base,
        recordsKeyArn: keys.recordsKey.arn,
        recipientRoleArn: recipient.roleArn,
        ...(kubernetesRecipient !== undefined ? { otherRecipientRoleArns: [kubernetesRecipient.roleArn] } : {}),
        producerRoleArn: producer.roleArn,
        dataEventBucketArns: [storage.dataBucketArn],
        streamName: ingestion.streamName,
        deadLetterQueues: {
            ingest: ingestion.ingestDeadLetterQueueName,
            process: processing.processDeadLetterQueueName,
            replay: processing.replayDeadLetterQueueName,
            orchestration: orchestration.deadLetterQueueName,
            recipient: serving.recipientDeadLetterQueueName,
        },
        functions: {
            ingest: ingestion.ingestFunctionName,
            process: processing.processFunctionName,
            replay: processing.replayFunctionName,
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

    return { config, producer, recipient, ...(kubernetesRecipient !== undefined ? { kubernetesRecipient } : {}), keys, network, storage, ingestion, processing, orchestration, serving, monitoring, kubernetesProvider: cluster?.provider };
}
