/**
 * Where the SDK keeps what must outlive the process or the tab: the outbox, the cursors, a
 * bounded cache of recent messages per conversation and the conversation list (see
 * `offline/local-store.ts`, which decides the keys). An adapter is an ordered key-value
 * store: keys are strings compared by UTF-16 code unit (numbers in keys are zero-padded, so
 * key order is seq order), values are what structured clone keeps: JSON values, plus
 * `Uint8Array` and `Blob` in the outbox's files.
 *
 * The SDK ships three (one file each): memory (the default, nothing survives), IndexedDB
 * (browsers) and a JSON-lines file (Node). One behaviour suite runs against all of them.
 */
export interface StorageAdapter {
  /** Every record whose key starts with `prefix`, in key order. */
  read(prefix: string): Promise<[string, unknown][]>;
  /**
   * Applies the changes in order, atomically: after a crash either all of them are there or
   * none. Resolves once they are durable as far as the adapter goes (IndexedDB: the
   * transaction completed; the file: written and fsynced).
   */
  write(changes: readonly StorageChange[]): Promise<void>;
  /** Removes every record (logging out). The adapter stays usable. */
  clear(): Promise<void>;
  /** Releases the store (file handles, database connections, locks). */
  close(): Promise<void>;
  /**
   * Who else shares this store. Browsers: other tabs of the same origin (Web Locks); without
   * it, the store has one user at a time (`SINGLE_OWNER`).
   */
  readonly owners?: OwnerLocks;
}

/** One change in a `write`. */
export type StorageChange =
  /** Sets a record. */
  | { op: "put"; key: string; value: unknown }
  /**
   * Shallow-merges `fields` into the record, when it exists (else nothing): an edit, a
   * deletion or new reactions reach a cached message without re-adding one that was trimmed.
   * A field given as `undefined` is removed.
   */
  | { op: "patch"; key: string; fields: Record<string, unknown> }
  | { op: "delete"; key: string }
  /** Removes every record under `prefix` except the last `keep` in key order. */
  | { op: "trim"; prefix: string; keep: number }
  /** Removes every record under `prefix`. */
  | { op: "deletePrefix"; prefix: string };

/**
 * The runtimes sharing one store, so that each outbox entry is sent by one of them only.
 * Each runtime (a tab) has an id and holds a lock on it while it lives; entries written by a
 * runtime that is gone are adopted, under `exclusive`, by the first live one to look.
 */
export interface OwnerLocks {
  /** This runtime's id, stored with each outbox entry it writes. */
  readonly id: string;
  /** Starts holding this runtime's lock (resolves once held). */
  start(): Promise<void>;
  /** Which of `ids` belong to live runtimes (this one included). */
  alive(ids: readonly string[]): Promise<Set<string>>;
  /** Runs `fn` while no other runtime of this store runs its own `exclusive`. */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  /** Releases this runtime's lock. */
  stop(): void;
}

/** One runtime per store (memory, a file with its lock file): every entry is this one's. */
export const SINGLE_OWNER: OwnerLocks = {
  id: "local",
  start: () => Promise.resolve(),
  alive: (ids) => Promise.resolve(new Set(ids.filter((id) => id === "local"))),
  exclusive: (fn) => fn(),
  stop: () => {},
};

/** Applies a patch as the interface says: shallow merge, `undefined` removes the field. */
export function patched(value: unknown, fields: Record<string, unknown>): unknown {
  const next: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const [field, v] of Object.entries(fields)) {
    if (v === undefined) delete next[field];
    else next[field] = v;
  }
  return next;
}
