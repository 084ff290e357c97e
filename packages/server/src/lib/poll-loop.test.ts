import { describe, expect, it } from "vitest";
import { PollLoop, settledWithin } from "./poll-loop.js";

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(check()).toBe(true);
};

describe("PollLoop", () => {
  it("runs a tick at the start, and a wake during a tick runs one more right after it, never two at once", async () => {
    let ticks = 0;
    let inTick = 0;
    let most = 0;
    let release: () => void = () => {};
    const loop = new PollLoop(
      async () => {
        ticks++;
        inTick++;
        most = Math.max(most, inTick);
        if (ticks === 1) await new Promise<void>((resolve) => (release = resolve));
        inTick--;
      },
      60_000,
      () => {},
    );
    expect(loop.start()).toBe(true);
    expect(loop.start()).toBe(false);
    await until(() => ticks === 1);
    loop.wake();
    loop.wake();
    release();
    await until(() => ticks === 2);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(ticks).toBe(2);
    expect(most).toBe(1);
    loop.stop();
    expect(loop.running).toBe(false);
  });

  it("polls after pollMs, goes on after a failed tick, and stops ticking when stopped", async () => {
    const errors: unknown[] = [];
    let ticks = 0;
    const loop = new PollLoop(
      async () => {
        ticks++;
        if (ticks === 1) throw new Error("boom");
      },
      10,
      (err) => errors.push(err),
    );
    loop.start();
    await until(() => ticks >= 3);
    expect(errors).toHaveLength(1);
    loop.stop();
    const stoppedAt = ticks;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ticks).toBe(stoppedAt);
    loop.wake();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(ticks).toBe(stoppedAt);
  });

  it("settledWithin waits for work, but no longer than its bound", async () => {
    const started = performance.now();
    await settledWithin([new Promise(() => {})], 30);
    expect(performance.now() - started).toBeLessThan(1000);
    let done = false;
    const work = new Promise<void>((resolve) =>
      setTimeout(() => {
        done = true;
        resolve();
      }, 10),
    );
    await settledWithin([work], 5000);
    expect(done).toBe(true);
  });
});
