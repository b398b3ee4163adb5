import { lambdaInVpc } from "./lambdaInVpc";
import { lambdaRuntimeSupported } from "./lambdaRuntimeSupported";

export const rules = [lambdaRuntimeSupported, lambdaInVpc];
