import { ChatClientError } from "@chatapp/client";
import type { AuthResponse } from "@chatapp/protocol";
import { loadSession, onStoredSessionChange, saveSession } from "./session-storage.js";

/** After a refresh that failed for a passing reason (offline, server restarting), try again this soon. */
const RETRY_MS = 30_000;
/** setTimeout's longest delay; a longer wait is taken in steps. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * Keeps one user's stored token fresh: at the session's `refreshAt` it trades the token for a
 * new one and stores it, which every other tab sees. One tab at a time keeps it (a Web Lock
 * held while it does), so the tabs do not all refresh. A refused token ends the session
 * through the SDK (its AuthError); a 403 (a token of another system) stops trying.
 */
export class SessionKeeper {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(
    private readonly userId: number,
    private readonly refresh: () => Promise<AuthResponse>,
  ) {}

  /** Starts keeping; returns the stop. */
  start(): () => void {
    let unsubscribe = () => {};
    const keep = () => {
      if (this.stopped) return;
      this.schedule();
      unsubscribe = onStoredSessionChange(() => this.schedule());
    };
    const release = oneTabKeeps(keep);
    return () => {
      this.stopped = true;
      clearTimeout(this.timer);
      unsubscribe();
      release();
    };
  }

  private schedule(): void {
    clearTimeout(this.timer);
    const session = loadSession();
    if (this.stopped || session?.user.id !== this.userId || session.refreshAt === undefined) return;
    const wait = session.refreshAt - Date.now();
    this.timer = setTimeout(
      () => (wait > MAX_DELAY_MS ? this.schedule() : void this.run()),
      Math.min(Math.max(wait, 0), MAX_DELAY_MS),
    );
  }

  private async run(): Promise<void> {
    try {
      const session = loadSession();
      if (this.stopped || session?.user.id !== this.userId || (session.refreshAt ?? 0) > Date.now()) return;
      const answer = await this.refresh();
      if (!this.stopped && answer.user.id === this.userId) saveSession(answer);
      this.schedule();
    } catch (err) {
      if (this.stopped || (err instanceof ChatClientError && (err.status === 401 || err.status === 403))) return;
      this.timer = setTimeout(() => void this.run(), RETRY_MS);
    }
  }
}

/**
 * Runs `keep` in one tab of the site at a time: the tab holding a Web Lock for as long as it
 * keeps the session. The others queue for the lock and take over when that tab closes or logs
 * out. Taking turns per refresh would not do: a tab that gets the lock right after another's
 * refresh may still read the old session, since localStorage reaches other tabs
 * asynchronously, and refresh again. Without Web Locks every tab keeps. Returns the release.
 */
function oneTabKeeps(keep: () => void): () => void {
  const locks = (navigator as Navigator & { locks?: LockManager }).locks;
  if (!locks) {
    keep();
    return () => {};
  }
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  const aborted = new AbortController();
  locks
    .request("chatapp.session-keeper", { signal: aborted.signal }, () => {
      keep();
      return held;
    })
    .catch(() => {}); // aborted while queued
  return () => {
    aborted.abort();
    release();
  };
}
