import { backupVaultCmk } from "./backupVaultCmk";
import { dynamodbTableCmk } from "./dynamodbTableCmk";
import { ebsVolumeCmk } from "./ebsVolumeCmk";
import { ecrRepositoryCmk } from "./ecrRepositoryCmk";
import { kinesisStreamCmk } from "./kinesisStreamCmk";
import { lambdaEnvironmentCmk } from "./lambdaEnvironmentCmk";
import { logGroupCmk } from "./logGroupCmk";
import { rdsClusterCmk } from "./rdsClusterCmk";
import { rdsInstanceCmk } from "./rdsInstanceCmk";
import { s3BucketCmk } from "./s3BucketCmk";
import { secretCmk } from "./secretCmk";
import { snsTopicCmk } from "./snsTopicCmk";
import { sqsQueueCmk } from "./sqsQueueCmk";
import { stepFunctionsCmk } from "./stepFunctionsCmk";

export const rules = [
    s3BucketCmk,
    dynamodbTableCmk,
    sqsQueueCmk,
    snsTopicCmk,
    kinesisStreamCmk,
    logGroupCmk,
    lambdaEnvironmentCmk,
    stepFunctionsCmk,
    secretCmk,
    ebsVolumeCmk,
    rdsInstanceCmk,
    rdsClusterCmk,
    ecrRepositoryCmk,
    backupVaultCmk,
];
