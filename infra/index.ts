/**
 * Entry point of the `e2ee-pipeline` Pulumi program (package.json "main"): reads and validates the stack
 * configuration, builds every layer, and exports the stack outputs.
 */
import * as pulumi from "@pulumi/pulumi";
import { NAMESPACE, loadConfig } from "./config";
import { createPipeline } from "./pipeline";

const kubeconfig = new pulumi.Config(NAMESPACE).getSecret("kubeconfig");
const pipeline = createPipeline(loadConfig(), kubeconfig !== undefined ? { kubeconfig } : {});

export const environment = pipeline.config.environment;
export const recordsKeyArn = pipeline.keys.recordsKey.arn;
export const recordsKeyAlias = pipeline.keys.aliases.records;
export const producerRoleArn = pipeline.ingestion.producerRoleArn;
export const recipientRoleArn = pipeline.serving.recipientRoleArn;
export const vpcId = pipeline.network.vpcId;
export const privateSubnetIds = pipeline.network.privateSubnetIds;
export const dataBucketName = pipeline.storage.dataBucketName;
export const dedupTableName = pipeline.storage.dedupTableName;
export const catalogTableName = pipeline.storage.catalogTableName;
export const backupVaultName = pipeline.storage.backupVaultName;
export const ingestStreamName = pipeline.ingestion.streamName;
export const ingestEndpointUrl = pipeline.ingestion.api.endpointUrl;
/** Where producers read the ingestion API's key (GetSecretValue with the producer role); never the key itself. */
export const ingestApiKeySecretArn = pipeline.ingestion.apiKeySecretArn;
export const recipientEndpointUrl = pipeline.serving.api.endpointUrl;
export const stateMachineArn = pipeline.orchestration.stateMachineArn;
/** Failed replay requests and segments (operators resume them; functions/README.md, "Orchestration"). */
export const orchestrationDeadLetterQueueUrl = pipeline.orchestration.deadLetterQueueUrl;
export const replayFunctionName = pipeline.processing.replayFunctionName;
export const recipientUserPoolId = pipeline.serving.userPoolId;
export const recipientUserPoolClientId = pipeline.serving.userPoolClientId;
export const kubernetesRecipientRoleArn = pipeline.kubernetesRecipient?.roleArn;
export const trailArn = pipeline.monitoring.trailArn;
export const alertTopicArn = pipeline.monitoring.alertTopicArn;
