import type { User } from "@chatapp/protocol";
import type { ChatState } from "./chat-state.js";
import type { Store } from "./store.js";

/** Names kept per user: enough for a list page and its previews, small for localStorage. */
const KEPT = 500;
export const NAMES_PREFIX = "chatapp.names.";
const key = (userId: number) => `${NAMES_PREFIX}${userId}`;
const SAVE_EVERY_MS = 1000;

/**
 * The names this user's chat last knew, kept in localStorage, so that a start without the
 * network (the list and messages restored from IndexedDB) shows people's names, not ids.
 * They are looked up again once per session all the same (chat/user-names.ts).
 */
export function loadKnownNames(userId: number): User[] {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(key(userId)) ?? "[]");
    return Array.isArray(parsed) ? parsed.filter(isUser).slice(-KEPT) : [];
  } catch {
    return [];
  }
}

export function saveKnownNames(userId: number, users: ReadonlyMap<number, User>): void {
  try {
    localStorage.setItem(key(userId), JSON.stringify([...users.values()].slice(-KEPT)));
  } catch {
    // Storage full or blocked: names are looked up again on the next start.
  }
}

function isUser(value: unknown): value is User {
  const user = value as Partial<User> | null;
  return typeof user?.id === "number" && Number.isSafeInteger(user.id) && user.id > 0 && typeof user.bot === "boolean";
}

/** Saves the state's names as they change, at most once a second; returns the stop. */
export function keepKnownNames(store: Store<ChatState>, userId: number): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let saved = store.get().users;
  const unsubscribe = store.subscribe(() => {
    if (timer !== undefined || store.get().users === saved) return;
    timer = setTimeout(() => {
      timer = undefined;
      saved = store.get().users;
      saveKnownNames(userId, saved);
    }, SAVE_EVERY_MS);
  });
  // Not saved on the way out: a logout has just deleted them.
  return () => {
    unsubscribe();
    clearTimeout(timer);
  };
}
