import { BoundedMap } from "../lib/bounded-map.js";
import { Coalescer } from "../lib/coalescer.js";
import type { UsersRepo } from "../store/users-repo.js";

/**
 * Which user ids exist, cached: every authenticated request provisions its user (tokens
 * minted elsewhere name users we have never seen), and every direct send checks its
 * receiver, so neither should cost a query each time.
 */
export class UserDirectory {
  private readonly known = new BoundedMap<number, true>(200_000);
  /** First uses arriving together (a connect storm) are provisioned in one statement. */
  private readonly provisioning = new Coalescer<number, true>(
    async (ids) => {
      await this.users.ensureExists([...ids.keys()]);
      for (const id of ids.keys()) this.known.set(id, true);
    },
    undefined,
    1000,
    // A connection waits for this, so the spacing is short; it still gathers a storm's
    // handshakes, which end one per event-loop turn, into a statement every 10 ms.
    10,
  );

  /** @param onForgotten called when this node forgets an id (the cluster tells the other nodes). */
  constructor(
    private readonly users: UsersRepo,
    private readonly onForgotten: (id: number) => void = () => {},
  ) {}

  /**
   * The user was erased: the next check reads the table again, so no direct send reaches the
   * id and no conversation takes it in. `fromCluster`: another node said so (not passed on).
   */
  forget(id: number, fromCluster = false): void {
    this.known.delete(id);
    if (!fromCluster) this.onForgotten(id);
  }

  async provision(id: number): Promise<void> {
    if (this.known.has(id)) return;
    await this.provisioning.add(id, true);
  }

  async exists(id: number): Promise<boolean> {
    if (this.known.has(id)) return true;
    const found = await this.users.existingIds([id]);
    if (found.has(id)) this.known.set(id, true);
    return found.has(id);
  }
}
