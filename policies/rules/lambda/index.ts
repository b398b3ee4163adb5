import { lambdaInVpc } from "./lambdaInVpc";
import { lambdaRuntimeSupported } from "./runtimeSupported";

export const rules = [lambdaRuntimeSupported, lambdaInVpc];
