import { ecsTaskDefinitionNoPlaintextSecrets } from "./ecsTaskDefinitionNoPlaintextSecrets";
import { glueConnectionNoPlaintextSecrets } from "./glueConnectionNoPlaintextSecrets";
import { k8sEnvNoPlaintextSecrets } from "./k8sEnvNoPlaintextSecrets";
import { lambdaEnvNoPlaintextSecrets } from "./lambdaEnvNoPlaintextSecrets";
import { secretsmanagerSecretVersionNoLiteral } from "./secretsmanagerSecretVersionNoLiteral";

export const rules = [
    lambdaEnvNoPlaintextSecrets,
    k8sEnvNoPlaintextSecrets,
    ecsTaskDefinitionNoPlaintextSecrets,
    glueConnectionNoPlaintextSecrets,
    secretsmanagerSecretVersionNoLiteral,
];
