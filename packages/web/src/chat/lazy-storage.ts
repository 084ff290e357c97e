import { type StorageAdapter, webLocksOwners } from "@chatapp/client";

/** Every user's database is named with this, then their id: one database per user. */
export const LOCAL_DATA_PREFIX = "chatapp:user:";

export function localDataName(userId: number): string {
  return `${LOCAL_DATA_PREFIX}${userId}`;
}

type LocalData = typeof import("./local-data.js");
let loading: Promise<LocalData> | undefined;

/**
 * The IndexedDB code (the SDK's adapter, `idb`, chat/local-data.ts), loaded on first use: it
 * loads as the chat starts, beside the first screen's script rather than in it (the
 * first-screen budget, test/first-screen.ts).
 */
export function localData(): Promise<LocalData> {
  loading ??= import("./local-data.js");
  return loading;
}

/**
 * `indexedDbStorage({name})` whose code loads on the first read or write. The tab's owner
 * lock (Web Locks) is made here, at once: the client needs its id before anything is stored.
 */
export function lazyIndexedDbStorage(name: string): StorageAdapter {
  const owners = webLocksOwners(name);
  let adapter: Promise<StorageAdapter> | undefined;
  const open = () => {
    adapter ??= localData().then((m) => m.indexedDbStorage({ name }));
    return adapter;
  };
  return {
    owners,
    read: async (prefix) => (await open()).read(prefix),
    write: async (changes) => (await open()).write(changes),
    clear: async () => (await open()).clear(),
    async close() {
      owners.stop();
      if (adapter) await (await adapter).close();
    },
  };
}
