import { describe, expect, it } from "vitest";
import { DeadlineSemaphore } from "./deadline-semaphore.js";

describe("DeadlineSemaphore", () => {
  it("grants up to the limit, then in order as places come back", async () => {
    const s = new DeadlineSemaphore(2, 10);
    const a = await s.acquire(1000);
    const b = await s.acquire(1000);
    expect(a && b).toBeTruthy();
    const order: string[] = [];
    const granted = (name: string) => (release: (() => void) | undefined) => {
      order.push(name);
      return release;
    };
    const c = s.acquire(1000).then(granted("c"));
    const d = s.acquire(1000).then(granted("d"));
    expect(s.load).toEqual({ active: 2, waiting: 2 });
    a?.();
    a?.(); // a second release changes nothing
    const releaseC = await c;
    expect(order).toEqual(["c"]);
    b?.();
    const releaseD = await d;
    expect(order).toEqual(["c", "d"]);
    releaseC?.();
    releaseD?.();
    expect(s.load).toEqual({ active: 0, waiting: 0 });
  });

  it("gives up at the deadline, and at once when the line is full", async () => {
    const s = new DeadlineSemaphore(1, 1);
    const held = await s.acquire(0);
    const started = Date.now();
    const late = s.acquire(50);
    expect(await s.acquire(1000)).toBeUndefined();
    expect(await late).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(s.load).toEqual({ active: 1, waiting: 0 });
    held?.();
    expect(s.load).toEqual({ active: 0, waiting: 0 });
  });
});
