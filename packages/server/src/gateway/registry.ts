import type { Connection } from "./connection.js";

/** This node's connections by user: a user may have many (phone, laptop, tabs). */
export class ConnectionRegistry {
  private readonly byUser = new Map<number, Set<Connection>>();
  private count = 0;

  /** Adds a connection; true when it is the user's first on this node. */
  add(conn: Connection): boolean {
    let set = this.byUser.get(conn.userId);
    const first = set === undefined;
    if (!set) {
      set = new Set();
      this.byUser.set(conn.userId, set);
    }
    if (!set.has(conn)) {
      set.add(conn);
      this.count++;
    }
    return first;
  }

  /** Removes a connection; true when it was the user's last on this node. */
  remove(conn: Connection): boolean {
    const set = this.byUser.get(conn.userId);
    if (!set?.delete(conn)) return false;
    this.count--;
    if (set.size > 0) return false;
    this.byUser.delete(conn.userId);
    return true;
  }

  of(userId: number): ReadonlySet<Connection> | undefined {
    return this.byUser.get(userId);
  }

  *all(): Iterable<Connection> {
    for (const set of this.byUser.values()) yield* set;
  }

  userIds(): number[] {
    return [...this.byUser.keys()];
  }

  get size(): number {
    return this.count;
  }

  /** Users with at least one connection here. */
  get userCount(): number {
    return this.byUser.size;
  }
}
