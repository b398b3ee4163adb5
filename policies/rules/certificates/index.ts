import { acmPrivateCertificateMax90Days } from "./acmPrivateCertificateMax90Days";
import { acmpcaCertificateMax90Days } from "./acmpcaCertificateMax90Days";
import { certManagerCertificateMax90Days } from "./certManagerCertificateMax90Days";

export const rules = [acmpcaCertificateMax90Days, acmPrivateCertificateMax90Days, certManagerCertificateMax90Days];
