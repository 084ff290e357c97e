import { describe, expect, it } from "vitest";
import { timeLabel } from "./dates.js";
import { lastSeenLabel } from "./last-seen.js";

const now = new Date(2026, 10, 25, 15, 0);
const at = (days: number, hours: number, minutes = 0) => new Date(2026, 10, 25 - days, hours, minutes).toISOString();

describe("lastSeenLabel", () => {
  it("counts minutes within the hour", () => {
    expect(lastSeenLabel(at(0, 15), now)).toBe("last seen just now");
    expect(lastSeenLabel(at(0, 14, 59), now)).toBe("last seen 1 minute ago");
    expect(lastSeenLabel(at(0, 14, 15), now)).toBe("last seen 45 minutes ago");
  });

  it("names the day and the time after that", () => {
    expect(lastSeenLabel(at(0, 9), now)).toBe(`last seen today at ${timeLabel(at(0, 9))}`);
    expect(lastSeenLabel(at(1, 18), now)).toBe(`last seen yesterday at ${timeLabel(at(1, 18))}`);
    expect(lastSeenLabel(at(30, 8), now)).toMatch(/^last seen .*2026 at /);
  });
});
