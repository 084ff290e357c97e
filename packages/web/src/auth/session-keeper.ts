import { ChatClientError } from "@chatapp/client";
import type { AuthResponse } from "@chatapp/protocol";
import { loadSession, onStoredSessionChange, saveSession } from "./session-storage.js";

/** After a refresh that failed for a passing reason (offline, server restarting), try again this soon. */
const RETRY_MS = 30_000;
/** setTimeout's longest delay; a longer wait is taken in steps. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * Keeps one user's stored token fresh: at the session's `refreshAt` it trades the token for a
 * new one and stores it, which every other tab sees. Tabs take turns (a Web Lock) and one
 * whose turn comes after another's refresh keeps that token, so the tabs do not all refresh. A refused token ends the session
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
    this.schedule();
    const unsubscribe = onStoredSessionChange(() => this.schedule());
    return () => {
      this.stopped = true;
      clearTimeout(this.timer);
      unsubscribe();
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
      await oneTabAtATime(async () => {
        // Another tab may have refreshed while this one waited for its turn: then its token is kept.
        const session = loadSession();
        if (this.stopped || session?.user.id !== this.userId || (session.refreshAt ?? 0) > Date.now()) return;
        const answer = await this.refresh();
        if (!this.stopped && answer.user.id === this.userId) saveSession(answer);
      });
      this.schedule();
    } catch (err) {
      if (this.stopped || (err instanceof ChatClientError && (err.status === 401 || err.status === 403))) return;
      this.timer = setTimeout(() => void this.run(), RETRY_MS);
    }
  }
}

/** Runs `work` while no other tab of the site runs it (Web Locks), or at once where there are none. */
async function oneTabAtATime(work: () => Promise<void>): Promise<void> {
  const locks = (navigator as Navigator & { locks?: LockManager }).locks;
  if (locks) await locks.request("chatapp.session-refresh", work);
  else await work();
}
