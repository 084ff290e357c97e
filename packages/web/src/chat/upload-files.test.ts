import { describe, expect, it } from "vitest";
import { type FetchFile, UploadFiles } from "./upload-files.js";

const MiB = 1024 * 1024;

/** Files of `size` bytes; the fetches and the revoked URLs are recorded. */
function files(size = 10) {
  const fetched: string[] = [];
  const revoked: string[] = [];
  const tokens: string[] = [];
  let failNext = false;
  const fetchFile: FetchFile = async (path, token) => {
    fetched.push(path);
    tokens.push(token);
    if (failNext) {
      failNext = false;
      throw new Error("404");
    }
    return new Blob([new Uint8Array(size)]);
  };
  const cache = new UploadFiles(() => "tok", fetchFile, {
    create: () => `blob:${fetched.length}`,
    revoke: (url) => revoked.push(url),
  });
  return { cache, fetched, revoked, tokens, failOnce: () => (failNext = true) };
}

describe("UploadFiles", () => {
  it("fetches a file once, with the token, however many components show it", async () => {
    const { cache, fetched, tokens } = files();
    const [a, b] = await Promise.all([cache.acquire("/api/uploads/1"), cache.acquire("/api/uploads/1")]);
    expect(a).toBe(b);
    expect(fetched).toEqual(["/api/uploads/1"]);
    expect(tokens).toEqual(["tok"]);
  });

  it("keeps unused URLs up to 32 MiB and revokes the least recently used past that", async () => {
    const { cache, revoked } = files(10 * MiB);
    for (const id of [1, 2, 3, 4]) {
      await cache.acquire(`/f/${id}`);
      cache.release(`/f/${id}`);
    }
    // 4 × 10 MiB: the oldest goes.
    expect(revoked).toEqual(["blob:1"]);
    expect(cache.size).toBe(3);
  });

  it("never revokes a URL that is on screen, however many there are", async () => {
    const { cache, revoked } = files(10 * MiB);
    for (const id of [1, 2, 3, 4, 5]) await cache.acquire(`/f/${id}`);
    expect(revoked).toEqual([]);
    cache.release("/f/5");
    expect(revoked).toEqual([]);
  });

  it("a use makes a URL the most recent again", async () => {
    const { cache, revoked } = files(10 * MiB);
    for (const id of [1, 2, 3]) {
      await cache.acquire(`/f/${id}`);
      cache.release(`/f/${id}`);
    }
    await cache.acquire("/f/1");
    cache.release("/f/1");
    await cache.acquire("/f/4");
    cache.release("/f/4");
    expect(revoked).toEqual(["blob:2"]);
  });

  it("forgets a failed fetch, so the next use tries again", async () => {
    const { cache, fetched, failOnce } = files();
    failOnce();
    await expect(cache.acquire("/f/1")).rejects.toThrow("404");
    await cache.acquire("/f/1");
    expect(fetched).toEqual(["/f/1", "/f/1"]);
  });

  it("revokes everything on clear, and makes no URL for a fetch that ends after it", async () => {
    const { cache, revoked } = files();
    await cache.acquire("/f/1");
    const late = cache.acquire("/f/2");
    cache.clear();
    await expect(late).rejects.toThrow();
    expect(revoked).toEqual(["blob:1"]);
    expect(cache.size).toBe(0);
  });
});
