import { deleteDB, type IDBPDatabase, type IDBPObjectStore, openDB } from "idb";
import { type OwnerLocks, patched, type StorageAdapter, type StorageChange } from "./adapter.js";
import { webLocksOwners } from "./web-locks.js";

/** The one object store: records under out-of-line string keys. */
const STORE = "records";
const VERSION = 1;
/** Opening waits behind another tab's pending deletion of the same database: bounded. */
const OPEN_DEADLINE_MS = 10_000;
/** Deleting waits for other tabs to close their connections (ours close on `versionchange`). */
const DELETE_DEADLINE_MS = 10_000;
const MAX_NAME_LENGTH = 256;

export interface IndexedDbStorageOptions {
  /** The database's name: one database per name, say one per user (`chatapp:user:42`). */
  name: string;
}

/** A write was refused because the browser's storage quota for the site is used up. */
export class StorageQuotaError extends Error {
  override readonly name = "StorageQuotaError";
}

/**
 * The SDK's storage in browsers: one IndexedDB database per `name`, with one object store.
 * Each `write` is one readwrite transaction (durability "strict" where the browser supports
 * it: the outbox must survive a crash), so its changes land together or not at all. The tabs
 * sharing the database are told apart with Web Locks (`owners`).
 *
 * Another tab deleting or upgrading the database (`deleteIndexedDbStorage` on logout) closes
 * this one's connection; the next call opens the database again, empty if it was deleted.
 */
export function indexedDbStorage(options: IndexedDbStorageOptions): StorageAdapter {
  return new IndexedDbStorage(checkedName(options.name));
}

/**
 * Deletes the database `name` (logging out). Other tabs' adapters close their connections
 * when asked; rejects when some connection still holds it open after 10 s (the deletion then
 * happens once that one closes).
 */
export async function deleteIndexedDbStorage(name: string): Promise<void> {
  checkedName(name);
  indexedDbFactory();
  let blocked = false;
  const deleted = deleteDB(name, {
    blocked: () => {
      blocked = true;
    },
  });
  await withDeadline(deleted, DELETE_DEADLINE_MS, () =>
    blocked
      ? new Error(`IndexedDB storage "${name}" is held open by another tab: it is deleted once that tab closes it`)
      : new Error(`deleting IndexedDB storage "${name}" did not finish within ${DELETE_DEADLINE_MS} ms`),
  );
}

/** The names of this origin's databases that start with `prefix`, sorted (`indexedDB.databases()`). */
export async function listIndexedDbStorages(prefix: string): Promise<string[]> {
  const factory = indexedDbFactory();
  if (typeof factory.databases !== "function") {
    throw new Error("this browser cannot list its IndexedDB databases (indexedDB.databases() is missing)");
  }
  const databases = await factory.databases();
  const names = databases.flatMap(({ name }) => (name?.startsWith(prefix) ? [name] : []));
  return names.sort();
}

function checkedName(name: string): string {
  if (typeof name !== "string" || name.length === 0 || name.length > MAX_NAME_LENGTH) {
    throw new RangeError(`an IndexedDB storage name is 1 to ${MAX_NAME_LENGTH} characters`);
  }
  return name;
}

function indexedDbFactory(): IDBFactory {
  if (typeof indexedDB === "undefined") throw new Error("IndexedDB is not available in this runtime");
  return indexedDB;
}

/**
 * The keys that start with `prefix`: from `prefix` up to, not including, the first string
 * after all of them (its last code unit below U+FFFF incremented). `undefined`: every key.
 */
export function prefixRange(prefix: string): IDBKeyRange | undefined {
  for (let i = prefix.length - 1; i >= 0; i--) {
    const code = prefix.charCodeAt(i);
    if (code < 0xffff) return IDBKeyRange.bound(prefix, prefix.slice(0, i) + String.fromCharCode(code + 1), false, true);
  }
  return prefix === "" ? undefined : IDBKeyRange.lowerBound(prefix);
}

function withDeadline<T>(promise: Promise<T>, ms: number, timeoutError: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeoutError()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function isQuotaError(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { name?: unknown }).name === "QuotaExceededError";
}

type Database = IDBPDatabase<unknown>;

class IndexedDbStorage implements StorageAdapter {
  readonly owners: OwnerLocks;
  private opening: Promise<Database> | undefined;
  private closed = false;

  constructor(private readonly name: string) {
    this.owners = webLocksOwners(name);
  }

  async read(prefix: string): Promise<[string, unknown][]> {
    const db = await this.database();
    const range = prefixRange(prefix);
    try {
      const tx = db.transaction(STORE, "readonly");
      const [keys, values] = await Promise.all([tx.store.getAllKeys(range), tx.store.getAll(range), tx.done]);
      return keys.map((key, i) => [key as string, values[i]]);
    } catch (error) {
      throw this.failure("reading", error);
    }
  }

  async write(changes: readonly StorageChange[]): Promise<void> {
    if (changes.length === 0) return;
    const db = await this.database();
    // Requests are queued in order and need no await, except the reads that patch and trim
    // depend on: what a later change issues must come after them. A failed request aborts
    // the transaction; every promise is awaited below so that none rejects unheard.
    const pending: Promise<unknown>[] = [];
    let failed: unknown;
    try {
      const tx = db.transaction(STORE, "readwrite", { durability: "strict" });
      pending.push(tx.done);
      try {
        for (const change of changes) await apply(tx.store, change, pending);
      } catch (error) {
        abortQuietly(tx);
        throw error;
      }
    } catch (error) {
      failed = error;
    }
    const results = await Promise.allSettled(pending);
    const errors = [failed, ...results.map((result) => (result.status === "rejected" ? result.reason : undefined))];
    const error = errors.find(isQuotaError) ?? errors.find((e) => e !== undefined);
    if (error !== undefined) throw this.failure("writing", error);
  }

  async clear(): Promise<void> {
    const db = await this.database();
    try {
      const tx = db.transaction(STORE, "readwrite", { durability: "strict" });
      await Promise.all([tx.store.clear(), tx.done]);
    } catch (error) {
      throw this.failure("clearing", error);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.owners.stop();
    const opening = this.opening;
    this.opening = undefined;
    // Pending transactions finish first: closing only stops new ones.
    if (opening) (await opening.catch(() => undefined))?.close();
  }

  private database(): Promise<Database> {
    if (this.closed) return Promise.reject(new Error(`IndexedDB storage "${this.name}" is closed`));
    this.opening ??= this.open();
    return this.opening;
  }

  private open(): Promise<Database> {
    indexedDbFactory();
    let result: Promise<Database> | undefined;
    // Closes the connection this attempt made (once made) and lets the next call open anew.
    const letGo = () => {
      if (this.opening === result) this.opening = undefined;
      attempt.then((db) => db.close()).catch(() => {});
    };
    const attempt: Promise<Database> = openDB(this.name, VERSION, {
      upgrade(db) {
        db.createObjectStore(STORE);
      },
      // Another tab deletes (logs out) or upgrades the database: let it.
      blocking: letGo,
      // The browser closed the connection (site data cleared, storage gone).
      terminated: letGo,
    });
    result = withDeadline(
      attempt,
      OPEN_DEADLINE_MS,
      () => new Error(`did not open within ${OPEN_DEADLINE_MS} ms (another tab may be deleting it)`),
    ).catch((error) => {
      // Failed, or opens after the deadline: nobody is to use that connection.
      letGo();
      throw this.failure("opening", error);
    });
    return result;
  }

  private failure(doing: string, error: unknown): Error {
    if (isQuotaError(error)) {
      return new StorageQuotaError(
        `IndexedDB storage "${this.name}" is full: the browser's storage quota for this site is used up (${doing})`,
        { cause: error },
      );
    }
    const message = error instanceof Error ? error.message : String(error);
    return new Error(`IndexedDB storage "${this.name}": ${doing} failed: ${message}`, { cause: error });
  }
}

type Store = IDBPObjectStore<unknown, [typeof STORE], typeof STORE, "readwrite">;

/** Issues the requests for one change, awaiting only the reads it needs. */
async function apply(store: Store, change: StorageChange, pending: Promise<unknown>[]): Promise<void> {
  switch (change.op) {
    case "put":
      pending.push(store.put(change.value, change.key));
      break;
    case "patch": {
      const current = await store.get(change.key);
      if (current !== undefined) pending.push(store.put(patched(current, change.fields), change.key));
      break;
    }
    case "delete":
      pending.push(store.delete(change.key));
      break;
    case "trim": {
      const range = prefixRange(change.prefix);
      const keys = await store.getAllKeys(range);
      // As memory's slice(0, length - keep) counts (a fractional keep truncates, NaN drops none).
      const drop = Math.trunc(Math.max(0, keys.length - change.keep));
      if (!(drop > 0)) break;
      const firstKept = keys[drop];
      // One range delete: the keys from the prefix up to the first kept one all carry the prefix.
      if (firstKept === undefined) pending.push(range ? store.delete(range) : store.clear());
      else pending.push(store.delete(IDBKeyRange.bound(change.prefix, firstKept, false, true)));
      break;
    }
    case "deletePrefix": {
      const range = prefixRange(change.prefix);
      pending.push(range ? store.delete(range) : store.clear());
      break;
    }
  }
}

function abortQuietly(tx: { abort(): void }): void {
  try {
    tx.abort();
  } catch {
    // Already finished or aborted: the error is in its `done`.
  }
}
