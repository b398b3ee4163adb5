import { k8sEnvNoPlaintextSecrets } from "./k8sEnvNoPlaintextSecrets";
import { lambdaEnvNoPlaintextSecrets } from "./lambdaEnvNoPlaintextSecrets";

export const rules = [lambdaEnvNoPlaintextSecrets, k8sEnvNoPlaintextSecrets];
