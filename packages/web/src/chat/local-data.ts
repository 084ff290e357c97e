import { type ChatClient, deleteIndexedDbStorage, listIndexedDbStorages } from "@chatapp/client";
import { NAMES_PREFIX } from "./known-names.js";
import { LOCAL_DATA_PREFIX, localDataName } from "./lazy-storage.js";
import { REMOVALS_PREFIX } from "./removals.js";

export { indexedDbStorage } from "@chatapp/client";
export { keepKnownNames, loadKnownNames } from "./known-names.js";

/** What the web client keeps per user in localStorage, each under its prefix and the user's id. */
const NOTES = [NAMES_PREFIX, REMOVALS_PREFIX];

/**
 * Forgets what this browser keeps of one user's chat (logging out): the SDK's database (outbox,
 * cursors, the list, recent messages), and names and removal notes in localStorage. Loaded
 * lazily with the IndexedDB code (lazy-storage.ts).
 */
export async function forgetLocalData(client: ChatClient, userId: number): Promise<void> {
  forgetNotes((id) => id === userId);
  // Drops the outbox and clears the database, whatever happens to the deletion below (a
  // connection that does not let go blocks it), and closes the client and its database.
  await client.clearLocalData();
  await deleteIndexedDbStorage(localDataName(userId));
}

/** A login: the browser now belongs to `me`, and no other user's data stays in it. */
export async function forgetOtherUsers(me: number): Promise<void> {
  forgetNotes((id) => id !== me);
  const mine = localDataName(me);
  const names = await listIndexedDbStorages(LOCAL_DATA_PREFIX);
  await Promise.all(names.filter((name) => name !== mine).map((name) => deleteIndexedDbStorage(name)));
}

/** Removes the localStorage notes of the users `whose` picks. */
function forgetNotes(whose: (userId: number) => boolean): void {
  try {
    const keys = Array.from({ length: localStorage.length }, (_, i) => localStorage.key(i) ?? "");
    for (const stored of keys) {
      const prefix = NOTES.find((p) => stored.startsWith(p));
      const userId = prefix === undefined ? "" : stored.slice(prefix.length);
      if (/^\d{1,15}$/.test(userId) && whose(Number(userId))) localStorage.removeItem(stored);
    }
  } catch {
    // Storage blocked: there is nothing in it either.
  }
}
