import { dataStoreClassificationTag } from "./dataStoreClassificationTag";

export const rules = [dataStoreClassificationTag];
