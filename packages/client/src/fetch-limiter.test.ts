import { afterEach, describe, expect, it, vi } from "vitest";
import { ChatClientError } from "./errors.js";
import { FetchLimiter } from "./fetch-limiter.js";

/** A fetch that ends when the test says so. */
function deferred(): { promise: Promise<string>; finish: (value: string) => void; fail: (err: Error) => void } {
  let finish: (value: string) => void = () => {};
  let fail: (err: Error) => void = () => {};
  const promise = new Promise<string>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  return { promise, finish, fail };
}

describe("FetchLimiter", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("runs at most `limit` at once, the waiting ones in the order they asked", async () => {
    const limiter = new FetchLimiter({ limit: 2, maxWaiting: 10, waitMs: 60_000 });
    const works = Array.from({ length: 5 }, () => deferred());
    const started: number[] = [];
    const results = works.map((w, i) =>
      limiter.run(() => {
        started.push(i);
        return w.promise;
      }),
    );
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    expect(limiter.load).toEqual({ running: 2, waiting: 3 });
    works[1]?.finish("b");
    await expect(results[1]).resolves.toBe("b");
    await vi.waitFor(() => expect(started).toEqual([0, 1, 2]));
    // A failed fetch frees its place as a finished one does.
    works[0]?.fail(new Error("network"));
    await expect(results[0]).rejects.toThrow("network");
    await vi.waitFor(() => expect(started).toEqual([0, 1, 2, 3]));
    for (const w of works.slice(2)) w.finish("rest");
    await Promise.all(results.slice(2));
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(limiter.load).toEqual({ running: 0, waiting: 0 });
  });

  it("refuses at once when the waiting queue is full, without running the work", async () => {
    const limiter = new FetchLimiter({ limit: 1, maxWaiting: 1, waitMs: 60_000 });
    const first = deferred();
    const running = limiter.run(() => first.promise);
    const waiting = limiter.run(async () => "second");
    const work = vi.fn(async () => "third");
    const refused = limiter.run(work);
    await expect(refused).rejects.toSatisfy((err) => err instanceof ChatClientError && err.code === "unavailable");
    expect(work).not.toHaveBeenCalled();
    first.finish("first");
    await expect(running).resolves.toBe("first");
    await expect(waiting).resolves.toBe("second");
    expect(limiter.load).toEqual({ running: 0, waiting: 0 });
  });

  it("refuses a wait past its deadline and leaves the queue as it was", async () => {
    vi.useFakeTimers();
    const limiter = new FetchLimiter({ limit: 1, maxWaiting: 5, waitMs: 1000 });
    const first = deferred();
    const running = limiter.run(() => first.promise);
    const work = vi.fn(async () => "late");
    const late = limiter.run(work);
    const check = expect(late).rejects.toSatisfy((err) => err instanceof ChatClientError && err.code === "timeout");
    await vi.advanceTimersByTimeAsync(1000);
    await check;
    expect(work).not.toHaveBeenCalled();
    expect(limiter.load).toEqual({ running: 1, waiting: 0 });
    first.finish("first");
    await expect(running).resolves.toBe("first");
    await expect(limiter.run(async () => "next")).resolves.toBe("next");
  });
});
