import { backupVaultEncryptedWithCmk } from "./backupVaultEncryptedWithCmk";
import { dynamodbTableEncryptedWithCmk } from "./dynamodbTableEncryptedWithCmk";
import { ebsVolumeEncryptedWithCmk } from "./ebsVolumeEncryptedWithCmk";
import { ecrRepositoryEncryptedWithCmk } from "./ecrRepositoryEncryptedWithCmk";
import { kinesisStreamEncryptedWithCmk } from "./kinesisStreamEncryptedWithCmk";
import { lambdaEnvironmentEncryptedWithCmk } from "./lambdaEnvironmentEncryptedWithCmk";
import { cloudwatchLogGroupEncryptedWithCmk } from "./cloudwatchLogGroupEncryptedWithCmk";
import { rdsClusterEncryptedWithCmk } from "./rdsClusterEncryptedWithCmk";
import { rdsInstanceEncryptedWithCmk } from "./rdsInstanceEncryptedWithCmk";
import { s3BucketEncryptedWithCmk } from "./s3BucketEncryptedWithCmk";
import { secretsmanagerSecretEncryptedWithCmk } from "./secretsmanagerSecretEncryptedWithCmk";
import { snsTopicEncryptedWithCmk } from "./snsTopicEncryptedWithCmk";
import { sqsQueueEncryptedWithCmk } from "./sqsQueueEncryptedWithCmk";
import { sfnStateMachineEncryptedWithCmk } from "./sfnStateMachineEncryptedWithCmk";
import { efsFileSystemEncryptedWithCmk } from "./efsFileSystemEncryptedWithCmk";
import { redshiftClusterEncryptedWithCmk } from "./redshiftClusterEncryptedWithCmk";
import { firehoseDeliveryStreamEncryptedWithCmk } from "./firehoseDeliveryStreamEncryptedWithCmk";
import { glueSecurityConfigurationEncryptedWithCmk } from "./glueSecurityConfigurationEncryptedWithCmk";
import { glueDataCatalogEncryptedWithCmk } from "./glueDataCatalogEncryptedWithCmk";
import { opensearchDomainEncryptedWithCmk } from "./opensearchDomainEncryptedWithCmk";
import { elasticacheEncryptedWithCmk } from "./elasticacheEncryptedWithCmk";
import { mskClusterEncryptedWithCmk } from "./mskClusterEncryptedWithCmk";
import { docdbClusterEncryptedWithCmk } from "./docdbClusterEncryptedWithCmk";
import { neptuneClusterEncryptedWithCmk } from "./neptuneClusterEncryptedWithCmk";

export const rules = [
    s3BucketEncryptedWithCmk,
    dynamodbTableEncryptedWithCmk,
    sqsQueueEncryptedWithCmk,
    snsTopicEncryptedWithCmk,
    kinesisStreamEncryptedWithCmk,
    cloudwatchLogGroupEncryptedWithCmk,
    lambdaEnvironmentEncryptedWithCmk,
    sfnStateMachineEncryptedWithCmk,
    secretsmanagerSecretEncryptedWithCmk,
    ebsVolumeEncryptedWithCmk,
    rdsInstanceEncryptedWithCmk,
    rdsClusterEncryptedWithCmk,
    ecrRepositoryEncryptedWithCmk,
    backupVaultEncryptedWithCmk,
    efsFileSystemEncryptedWithCmk,
    redshiftClusterEncryptedWithCmk,
    firehoseDeliveryStreamEncryptedWithCmk,
    glueSecurityConfigurationEncryptedWithCmk,
    glueDataCatalogEncryptedWithCmk,
    opensearchDomainEncryptedWithCmk,
    elasticacheEncryptedWithCmk,
    mskClusterEncryptedWithCmk,
    docdbClusterEncryptedWithCmk,
    neptuneClusterEncryptedWithCmk,
];
