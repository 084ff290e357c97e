import type { FilesConfig } from "../config.js";
import type { FileStore } from "./file-store.js";
import { LocalDiskStore } from "./local-disk.js";
import { S3Store } from "./s3.js";

export type { FileStore, StoredBytes } from "./file-store.js";
export { LocalDiskStore } from "./local-disk.js";
export { S3Store } from "./s3.js";

/** The store the configuration names: the S3 bucket when `S3_BUCKET` is set, else `UPLOAD_DIR`. */
export function openFileStore(config: Pick<FilesConfig, "s3" | "uploadDir">): FileStore {
  return config.s3 !== undefined ? new S3Store(config.s3) : new LocalDiskStore(config.uploadDir);
}
