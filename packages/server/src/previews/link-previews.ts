import { type LinkPreview, MAX_LINK_PREVIEWS } from "@chatapp/protocol";
import { TtlCache } from "../lib/ttl-cache.js";
import { extractUrls } from "./extract-urls.js";
import { type FetchPageOptions, fetchPage } from "./fetch-page.js";
import { type PagePreview, parsePreview } from "./parse-preview.js";

/** One entry of a message's `link_previews` (contract §4): `url` as written in the message. */
export type { LinkPreview };

export const MAX_PREVIEWS_PER_MESSAGE = MAX_LINK_PREVIEWS;

export interface LinkPreviewsOptions {
  /** LINK_PREVIEW_ALLOW_PRIVATE. */
  allowPrivate?: boolean;
  /** Pages fetched at once by this node, across all messages. */
  maxConcurrent?: number;
  /** Pages waiting for a fetch slot; past it new ones are dropped (no entry, not cached). */
  maxQueued?: number;
  /** URLs remembered, and for how long: a page that gave a preview, and one that gave none. */
  cacheSize?: number;
  cacheTtlMs?: number;
  failureTtlMs?: number;
  /** Passed to every fetch (tests: deadline, read cap, resolver, allowed addresses). */
  fetch?: Omit<FetchPageOptions, "allowPrivate">;
  /** Told of each page that gave nothing, with the reason (the caller logs it). */
  onFailure?: (url: string, err: unknown) => void;
}

/**
 * Link previews for message text: the first 3 distinct http(s) URLs, each fetched safely
 * (fetch-page.ts) and parsed (parse-preview.ts). Fetches share a global cap and a bounded queue;
 * results (a preview, or the lack of one) are cached per URL, in a bounded LRU with a time to
 * live, and concurrent asks for one URL share one fetch. No storage and no frames here: the
 * caller stores the entries and tells the members.
 */
export class LinkPreviews {
  private readonly cache: TtlCache<string, Promise<PagePreview | undefined>>;
  private readonly queue: (() => void)[] = [];
  private active = 0;
  private readonly maxConcurrent: number;
  private readonly maxQueued: number;
  private readonly cacheTtlMs: number;
  private readonly failureTtlMs: number;

  constructor(private readonly options: LinkPreviewsOptions = {}) {
    this.maxConcurrent = options.maxConcurrent ?? 8;
    this.maxQueued = options.maxQueued ?? 200;
    this.cacheTtlMs = options.cacheTtlMs ?? 60 * 60_000;
    this.failureTtlMs = options.failureTtlMs ?? 5 * 60_000;
    this.cache = new TtlCache(options.cacheSize ?? 5000);
  }

  /** Fetches in progress and waiting, for metrics and tests. */
  get load(): { active: number; queued: number } {
    return { active: this.active, queued: this.queue.length };
  }

  /** The entries for `content`, in the order its URLs appear; pages that give no title are left out. */
  async previewsFor(content: string): Promise<LinkPreview[]> {
    const urls = extractUrls(content, MAX_PREVIEWS_PER_MESSAGE);
    const pages = await Promise.all(urls.map((url) => this.preview(url)));
    const entries: LinkPreview[] = [];
    urls.forEach((url, i) => {
      const page = pages[i];
      if (page !== undefined) entries.push({ url, ...page });
    });
    return entries;
  }

  /** One URL's preview, from the cache or a fetch; undefined when the page gives none. */
  preview(url: string): Promise<PagePreview | undefined> {
    const cached = this.cache.get(url);
    if (cached !== undefined) return cached;
    if (this.active >= this.maxConcurrent && this.queue.length >= this.maxQueued) {
      // Over the bound: dropped, not cached, so a later message may still get it.
      this.options.onFailure?.(url, new Error("link preview queue full"));
      return Promise.resolve(undefined);
    }
    const pending = this.schedule(() => this.fetchPreview(url));
    this.cache.set(url, pending, this.cacheTtlMs);
    pending.then(
      (page) => {
        if (page === undefined) this.cache.set(url, pending, this.failureTtlMs);
      },
      () => this.cache.delete(url),
    );
    return pending;
  }

  private async fetchPreview(url: string): Promise<PagePreview | undefined> {
    try {
      const page = await fetchPage(url, { ...this.options.fetch, allowPrivate: this.options.allowPrivate === true });
      return parsePreview(page.html, page.url);
    } catch (err) {
      this.options.onFailure?.(url, err);
      return undefined;
    }
  }

  private schedule<T>(job: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const run = () => {
        this.active++;
        const done = () => {
          this.active--;
          this.queue.shift()?.();
        };
        job().then(
          (value) => {
            done();
            resolve(value);
          },
          (err: unknown) => {
            done();
            reject(err);
          },
        );
      };
      if (this.active < this.maxConcurrent) run();
      else this.queue.push(run);
    });
  }
}
