import { describe, it } from "vitest";
import type { StorageAdapter } from "../src/storage/adapter.js";
import { memoryStorage } from "../src/storage/memory.js";
import { storageChecks } from "./storage-checks.js";

const adapters: { name: string; persistent: boolean; factory: () => () => Promise<StorageAdapter> }[] = [
  { name: "memory", persistent: false, factory: () => () => Promise.resolve(memoryStorage()) },
];

for (const adapter of adapters) {
  describe(`storage checks: ${adapter.name}`, () => {
    for (const check of storageChecks) {
      it.skipIf(check.persistent && !adapter.persistent)(check.name, () => check.run(adapter.factory()));
    }
  });
}
