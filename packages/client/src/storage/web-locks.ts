import { type OwnerLocks, SINGLE_OWNER } from "./adapter.js";

/** How long `start` and `exclusive` wait for their lock before rejecting. */
const LOCK_DEADLINE_MS = 30_000;

/**
 * The tabs sharing one store, told apart with Web Locks: each runtime holds an exclusive lock
 * `chatapp:<store>:owner:<id>` for as long as it lives, and the browser releases it when the tab
 * closes or crashes, so `alive` is what `navigator.locks.query()` reports as held.
 *
 * Without Web Locks (browsers before 2022, pages that are not a secure context) every tab is
 * `SINGLE_OWNER`: each treats every outbox entry as its own, so two open tabs may both send an
 * entry. The server stores a `client_id` once, so the message is still stored once.
 */
export function webLocksOwners(storeName: string): OwnerLocks {
  const locks = lockManager();
  return locks ? new WebLocksOwners(locks, storeName) : SINGLE_OWNER;
}

function lockManager(): LockManager | undefined {
  if (typeof navigator === "undefined") return undefined;
  return (navigator as { locks?: LockManager }).locks;
}

/** 128 random bits in hex: `crypto.getRandomValues` works outside secure contexts too. */
function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

class WebLocksOwners implements OwnerLocks {
  readonly id = randomId();
  private readonly ownerPrefix: string;
  private readonly adoptName: string;
  private holding: { granted: Promise<void>; release: () => void; abort: AbortController } | undefined;

  constructor(
    private readonly locks: LockManager,
    storeName: string,
  ) {
    this.ownerPrefix = `chatapp:${storeName}:owner:`;
    this.adoptName = `chatapp:${storeName}:adopt`;
  }

  start(): Promise<void> {
    if (this.holding) return this.holding.granted;
    const name = `${this.ownerPrefix}${this.id}`;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(new Error(`the Web Lock ${name} was not granted in time`)), LOCK_DEADLINE_MS);
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const granted = new Promise<void>((resolve, reject) => {
      // The lock is held while the callback's promise is pending: until stop() or the tab goes.
      this.locks
        .request(name, { mode: "exclusive", signal: abort.signal }, () => {
          resolve();
          return released;
        })
        .catch(reject);
    }).finally(() => clearTimeout(timer));
    const holding = { granted, release, abort };
    this.holding = holding;
    // Refused (stopped first, or the deadline): a later start() asks again.
    granted.catch(() => {
      if (this.holding === holding) this.holding = undefined;
    });
    return granted;
  }

  async alive(ids: readonly string[]): Promise<Set<string>> {
    const snapshot = await this.locks.query();
    const held = new Set((snapshot.held ?? []).map((lock) => lock.name));
    return new Set(ids.filter((id) => id === this.id || held.has(`${this.ownerPrefix}${id}`)));
  }

  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const abort = new AbortController();
    const timer = setTimeout(
      () => abort.abort(new Error(`the Web Lock ${this.adoptName} was not granted in time`)),
      LOCK_DEADLINE_MS,
    );
    return await this.locks.request(this.adoptName, { mode: "exclusive", signal: abort.signal }, () => {
      clearTimeout(timer);
      return fn();
    });
  }

  stop(): void {
    const holding = this.holding;
    if (!holding) return;
    this.holding = undefined;
    holding.abort.abort(new Error("stopped"));
    holding.release();
  }
}
