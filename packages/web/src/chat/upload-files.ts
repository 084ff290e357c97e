/**
 * How images and downloads get the bytes of sent files. `<img src>` and plain links cannot
 * send the Authorization header, and the alternative the server offers, `?token=` in the URL,
 * would put the bearer token into the DOM, the browser's cache keys and whatever URL a person
 * copies ("Copy image address" would hand a day's access to their account to whoever gets the
 * link), and every image would load again whenever the token is refreshed. So files are
 * fetched with the header and shown through object URLs (`blob:`, which the page's CSP allows
 * for images; see docs/security.md). Object URLs hold their bytes until revoked: the ones no
 * component shows are kept for reuse up to a bound, and revoked when evicted.
 */

/** Bytes kept in object URLs that nothing shows, oldest evicted first: a screenful of photos and a few full images. */
const MAX_UNUSED_BYTES = 32 * 1024 * 1024;
/** And at most this many of them. */
const MAX_UNUSED = 200;
/** Longest a file may take to arrive (a 25 MiB file on a slow link). */
const FETCH_TIMEOUT_MS = 5 * 60_000;

export type FetchFile = (path: string, token: string) => Promise<Blob>;

export interface ObjectUrls {
  create(blob: Blob): string;
  revoke(url: string): void;
}

interface Entry {
  users: number;
  /** Set once loaded. */
  url?: string;
  size: number;
  loading: Promise<string>;
}

export class UploadFiles {
  /** By path, least recently used first (a use moves an entry to the end). */
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly token: () => string,
    private readonly fetchFile: FetchFile = fetchWithToken,
    private readonly urls: ObjectUrls = {
      create: (blob) => URL.createObjectURL(blob),
      revoke: (url) => URL.revokeObjectURL(url),
    },
  ) {}

  /**
   * An object URL for the file at `path` (an attachment's `url` or `thumbnail_url`), fetched
   * once however many components show it. Call `release(path)` when it is no longer shown.
   */
  acquire(path: string): Promise<string> {
    let entry = this.entries.get(path);
    if (entry) {
      this.entries.delete(path);
    } else {
      entry = this.load(path);
    }
    entry.users++;
    this.entries.set(path, entry);
    return entry.loading;
  }

  release(path: string): void {
    const entry = this.entries.get(path);
    if (!entry) return;
    entry.users = Math.max(0, entry.users - 1);
    this.evict();
  }

  /** Revokes every URL (logout). */
  clear(): void {
    for (const entry of this.entries.values()) if (entry.url) this.urls.revoke(entry.url);
    this.entries.clear();
  }

  /** How many object URLs are alive (for tests). */
  get size(): number {
    return [...this.entries.values()].filter((e) => e.url !== undefined).length;
  }

  private load(path: string): Entry {
    const entry: Entry = { users: 0, size: 0, loading: Promise.resolve("") };
    entry.loading = this.fetchFile(path, this.token()).then(
      (blob) => {
        // Cleared (logged out) while loading: no URL that nobody would revoke.
        if (this.entries.get(path) !== entry) throw new Error("no longer wanted");
        entry.url = this.urls.create(blob);
        entry.size = blob.size;
        this.evict();
        return entry.url;
      },
      (err: unknown) => {
        // Not kept: the next component to show it tries again.
        if (this.entries.get(path) === entry) this.entries.delete(path);
        throw err;
      },
    );
    return entry;
  }

  /** Revokes the least recently used URLs that nothing shows, past the bounds. */
  private evict(): void {
    let bytes = 0;
    let count = 0;
    for (const [path, entry] of [...this.entries].reverse()) {
      if (entry.users > 0 || entry.url === undefined) continue;
      bytes += entry.size;
      count++;
      if (bytes > MAX_UNUSED_BYTES || count > MAX_UNUSED) {
        this.urls.revoke(entry.url);
        this.entries.delete(path);
      }
    }
  }
}

async function fetchWithToken(path: string, token: string): Promise<Blob> {
  const res = await fetch(path, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  if (!res.ok)
    throw new Error(res.status === 404 ? "The file is no longer available." : `The file could not be loaded (${res.status}).`);
  return res.blob();
}
