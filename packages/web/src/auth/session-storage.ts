import type { User } from "@chatapp/protocol";

/** A logged-in user and their token. */
export interface Session {
  token: string;
  user: User;
}

const KEY = "chatapp.session";

/**
 * The session lives in sessionStorage: it survives reloads of this tab, and ends with the
 * tab, so a token does not outlive the browser session on a shared computer.
 */
export function loadSession(): Session | undefined {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (raw === null) return undefined;
    const parsed = JSON.parse(raw) as Partial<Session>;
    if (typeof parsed.token !== "string" || typeof parsed.user?.id !== "number") return undefined;
    return parsed as Session;
  } catch {
    return undefined;
  }
}

export function saveSession(session: Session): void {
  sessionStorage.setItem(KEY, JSON.stringify(session));
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
}
