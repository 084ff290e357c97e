import { patched, SINGLE_OWNER, type StorageAdapter, type StorageChange } from "./adapter.js";

/**
 * The default: records in a Map, gone with the process. Values are kept as given (the SDK
 * never mutates what it wrote), so reads are as cheap as a sort of the matching keys.
 */
export function memoryStorage(): StorageAdapter {
  return new MemoryStorage();
}

/** Applies changes to a Map, as every adapter must (the file adapter replays its log with it). */
export function applyChanges(records: Map<string, unknown>, changes: readonly StorageChange[]): void {
  for (const change of changes) {
    switch (change.op) {
      case "put":
        records.set(change.key, change.value);
        break;
      case "patch": {
        const current = records.get(change.key);
        if (current !== undefined) records.set(change.key, patched(current, change.fields));
        break;
      }
      case "delete":
        records.delete(change.key);
        break;
      case "trim": {
        const keys = [...records.keys()].filter((k) => k.startsWith(change.prefix)).sort();
        for (const key of keys.slice(0, Math.max(0, keys.length - change.keep))) records.delete(key);
        break;
      }
      case "deletePrefix":
        for (const key of [...records.keys()]) if (key.startsWith(change.prefix)) records.delete(key);
        break;
    }
  }
}

class MemoryStorage implements StorageAdapter {
  readonly owners = SINGLE_OWNER;
  private readonly records = new Map<string, unknown>();

  read(prefix: string): Promise<[string, unknown][]> {
    const found = [...this.records].filter(([key]) => key.startsWith(prefix));
    found.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Promise.resolve(found);
  }

  write(changes: readonly StorageChange[]): Promise<void> {
    applyChanges(this.records, changes);
    return Promise.resolve();
  }

  clear(): Promise<void> {
    this.records.clear();
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
