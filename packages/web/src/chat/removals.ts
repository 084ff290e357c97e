/** That someone else removed the user from a group: what the group's pane says instead of its messages. */
export interface Removal {
  title: string | null;
  /** Who removed the user. */
  by: number;
  /** When this device heard of it (ISO). */
  at: string;
}

/** Only the latest removals are remembered: an old one has nothing left to explain. */
const KEPT = 50;
const key = (userId: number) => `chatapp.removals.${userId}`;

/**
 * Removals are kept in localStorage, per user, so the explanation survives a reload: the
 * server answers a removed member's requests about the group as a stranger's (404), and it
 * sends the `member_left` frame that says who did it only once, live.
 */
export function loadRemovals(userId: number): Map<number, Removal> {
  try {
    const raw = localStorage.getItem(key(userId));
    const entries = raw === null ? [] : (JSON.parse(raw) as [number, Removal][]);
    return new Map(Array.isArray(entries) ? entries : []);
  } catch {
    return new Map();
  }
}

export function saveRemovals(userId: number, removals: ReadonlyMap<number, Removal>): void {
  try {
    localStorage.setItem(key(userId), JSON.stringify([...removals].slice(-KEPT)));
  } catch {
    // Storage full or blocked: the notice then lasts until the page is reloaded.
  }
}
