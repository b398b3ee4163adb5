import { acmPrivateCertificateRotation } from "./acmPrivateCertificateRotation";
import { acmpcaCertificateMax90Days } from "./acmpcaCertificateMax90Days";
import { certManagerCertificateMax90Days } from "./certManagerCertificateMax90Days";

export const rules = [acmpcaCertificateMax90Days, acmPrivateCertificateRotation, certManagerCertificateMax90Days];
