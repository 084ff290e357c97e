import type { User } from "@chatapp/protocol";
import { tokenLifetimeMs } from "./token-lifetime.js";

/** A logged-in user and their token. */
export interface Session {
  token: string;
  user: User;
  /**
   * When to trade the token for a fresh one (ms on this browser's clock): halfway through its
   * life, counted from when this browser received it.
   */
  refreshAt?: number;
}

const KEY = "chatapp.session";

/**
 * The session lives in localStorage: every tab of the site shares it, and it outlives the tab
 * and the browser, as in the chat apps people use daily. It is kept fresh by SessionKeeper and
 * removed by logging out (in any tab: the others follow through the `storage` event). What
 * an older version kept in sessionStorage is taken over once.
 */
export function loadSession(): Session | undefined {
  try {
    const legacy = sessionStorage.getItem(KEY);
    if (legacy !== null) {
      sessionStorage.removeItem(KEY);
      if (localStorage.getItem(KEY) === null) localStorage.setItem(KEY, legacy);
    }
    return parse(localStorage.getItem(KEY));
  } catch {
    return undefined;
  }
}

/** Keeps a token the server just issued (login, registration, refresh); returns what was kept. */
export function saveSession(session: { token: string; user: User }): Session {
  const lifetime = tokenLifetimeMs(session.token);
  const saved: Session = { token: session.token, user: session.user };
  if (lifetime !== undefined) saved.refreshAt = Date.now() + lifetime / 2;
  localStorage.setItem(KEY, JSON.stringify(saved));
  return saved;
}

export function clearSession(): void {
  localStorage.removeItem(KEY);
}

/** Calls `listener` when another tab logs in, refreshes the token or logs out. */
export function onStoredSessionChange(listener: (session: Session | undefined) => void): () => void {
  const onStorage = (event: StorageEvent) => {
    // A null key is localStorage.clear(): the session went with everything else.
    if (event.storageArea !== localStorage || (event.key !== KEY && event.key !== null)) return;
    listener(parse(event.key === null ? null : event.newValue));
  };
  window.addEventListener("storage", onStorage);
  return () => window.removeEventListener("storage", onStorage);
}

function parse(raw: string | null): Session | undefined {
  if (raw === null) return undefined;
  try {
    const parsed = JSON.parse(raw) as Partial<Session>;
    if (typeof parsed.token !== "string" || typeof parsed.user?.id !== "number") return undefined;
    return parsed as Session;
  } catch {
    return undefined;
  }
}
