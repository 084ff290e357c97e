import { describe, expect, it } from "vitest";
import { isMuted } from "./mutes.js";

describe("isMuted", () => {
  const now = Date.UTC(2026, 10, 23, 10, 0);
  it("follows the server's flag until the end passes", () => {
    expect(isMuted({ muted: false, muted_until: null }, now)).toBe(false);
    expect(isMuted({ muted: true, muted_until: null }, now)).toBe(true);
    expect(isMuted({ muted: true, muted_until: new Date(now + 1000).toISOString() }, now)).toBe(true);
    expect(isMuted({ muted: true, muted_until: new Date(now).toISOString() }, now)).toBe(false);
  });
});
