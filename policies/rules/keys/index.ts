import { kmsKeyDeletionWindow } from "./kmsKeyDeletionWindow";
import { kmsKeyRoleTagged } from "./kmsKeyRoleTagged";
import { kmsKeyRotationEnabled } from "./kmsKeyRotationEnabled";
import { kmsKeySymmetricDefault } from "./kmsKeySymmetricDefault";

export const rules = [kmsKeySymmetricDefault, kmsKeyRotationEnabled, kmsKeyDeletionWindow, kmsKeyRoleTagged];
