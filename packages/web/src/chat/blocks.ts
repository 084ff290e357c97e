import type { HttpApi } from "@chatapp/client";
import { Store } from "./store.js";

/**
 * The users this user blocks (integrations §3): fetched when the session starts and changed
 * by Block / Unblock. Only the blocker's own list exists: nobody is told they are blocked.
 */
export class BlockList {
  readonly store = new Store<ReadonlySet<number>>(new Set());

  constructor(private readonly api: HttpApi) {}

  async load(): Promise<void> {
    try {
      const blocks = await this.api.listBlocks();
      this.store.update(() => new Set(blocks.map((b) => b.user_id)));
    } catch {
      // Offline: the menus offer "Block" until the next load; the server's answer is what counts.
    }
  }

  async block(userId: number): Promise<void> {
    await this.api.block(userId);
    this.store.update((blocked) => (blocked.has(userId) ? blocked : new Set(blocked).add(userId)));
  }

  async unblock(userId: number): Promise<void> {
    await this.api.unblock(userId);
    this.store.update((blocked) => {
      if (!blocked.has(userId)) return blocked;
      const next = new Set(blocked);
      next.delete(userId);
      return next;
    });
  }
}
