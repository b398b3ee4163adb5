import { kmsKeyDeletionWindow } from "./kmsKeyDeletionWindow";
import { kmsKeyRoleTagged } from "./kmsKeyRoleTagged";
import { kmsKeyRotation } from "./kmsKeyRotation";
import { kmsKeySymmetricDefault } from "./kmsKeySymmetricDefault";

export const rules = [kmsKeySymmetricDefault, kmsKeyRotation, kmsKeyDeletionWindow, kmsKeyRoleTagged];
