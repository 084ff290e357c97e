import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { PresenceThrottle } from "./presence-throttle.js";

describe("PresenceThrottle", () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it("says the first change at once, then at most one per interval, ending on the last state", () => {
    const said: string[] = [];
    const throttle = new PresenceThrottle<{ status: string }>(1000, (user, s) => said.push(`${user}:${s.status}`));
    for (let i = 0; i < 100; i++) {
      throttle.change(1, { status: "online" });
      throttle.change(1, { status: "offline" });
      vi.advanceTimersByTime(25);
    }
    vi.advanceTimersByTime(5000);
    expect(said.length).toBeLessThanOrEqual(2500 / 1000 + 2);
    expect(said[0]).toBe("1:online");
    expect(said.at(-1)).toBe("1:offline");
  });

  it("says the latest waiting state when the interval ends, and keeps users apart", () => {
    const said: string[] = [];
    const throttle = new PresenceThrottle<{ status: string }>(1000, (user, s) => said.push(`${user}:${s.status}`));
    throttle.change(1, { status: "offline" });
    throttle.change(2, { status: "online" });
    throttle.change(1, { status: "online" });
    throttle.change(1, { status: "offline" });
    vi.advanceTimersByTime(999);
    expect(said).toEqual(["1:offline", "2:online"]);
    vi.advanceTimersByTime(1);
    expect(said).toEqual(["1:offline", "2:online", "1:offline"]);
    vi.advanceTimersByTime(5000); // nothing more waits
    expect(said).toHaveLength(3);
  });

  it("says what waits at once on flush", () => {
    const said: string[] = [];
    const throttle = new PresenceThrottle<{ status: string }>(1000, (user, s) => said.push(`${user}:${s.status}`));
    throttle.change(1, { status: "online" });
    throttle.change(1, { status: "offline" });
    throttle.flush();
    expect(said).toEqual(["1:online", "1:offline"]);
  });
});
