/**
 * Where the pipeline keeps its data, shared by the program and the local runs that mimic it (no imports, so a local
 * run can read it without loading the program).
 */

/** Key prefix of the ciphertext batches in the data lake: the process stage writes there, the recipients read there. */
export const DATA_PREFIX = "batches/";
