import type { Broker } from "../broker/broker.js";
import { Coalescer } from "../lib/coalescer.js";
import { TtlCache } from "../lib/ttl-cache.js";
import type { AdminUsersRepo } from "../store/admin-users-repo.js";

/**
 * How long a user's status is trusted without a notice: a change made where no notice
 * reaches (another process, a lost link) shows within this, inside the 5 s allowed.
 */
export const STATUS_CACHE_MS = 4000;

/**
 * Whether a user may use their tokens: not while inactive (deactivated or banned) or erased
 * (integrations §1). Asked by every authenticated request and /ws upgrade, so it is cached
 * (STATUS_CACHE_MS) and the first lookups of a connect storm share one query per batch. A
 * change is told to every node (a ClusterNotice): each drops its cached answer and closes the
 * user's sockets there with 4003.
 */
export class AccountStatus {
  private readonly disabled = new TtlCache<number, boolean>(200_000);
  private readonly lookups: Coalescer<number, true>;
  private readonly onDisabledHandlers: ((userId: number) => void)[] = [];

  constructor(
    repo: AdminUsersRepo,
    private readonly broker: Broker,
  ) {
    this.lookups = new Coalescer<number, true>(async (ids) => {
      const found = await repo.disabledAmong([...ids.keys()]);
      for (const id of ids.keys()) this.disabled.set(id, found.has(id), STATUS_CACHE_MS);
    });
    broker.onNotice((notice) => {
      if (notice.type === "account_changed") this.apply(notice.userId, notice.disabled);
    });
  }

  /** True when the user's tokens are refused (403 account_disabled). */
  async isDisabled(userId: number): Promise<boolean> {
    const cached = this.disabled.get(userId);
    if (cached !== undefined) return cached;
    await this.lookups.add(userId, true);
    return this.disabled.get(userId) ?? false;
  }

  /** What this node knows without asking: a socket accepted while a ban was under way is closed. */
  knownDisabled(userId: number): boolean {
    return this.disabled.get(userId) === true;
  }

  /**
   * Call after storing a change of the user's status (deactivated, banned, erased, or active
   * again): this node and every other one take it at once, and close the user's sockets when
   * `disabled`.
   */
  changed(userId: number, disabled: boolean): void {
    this.apply(userId, disabled);
    this.broker.notify({ type: "account_changed", userId, disabled });
  }

  /** `handler` closes the user's sockets on this node. */
  onDisabled(handler: (userId: number) => void): void {
    this.onDisabledHandlers.push(handler);
  }

  private apply(userId: number, disabled: boolean): void {
    this.disabled.set(userId, disabled, STATUS_CACHE_MS);
    if (disabled) for (const handler of this.onDisabledHandlers) handler(userId);
  }
}
