import { describe, expect, it } from "vitest";
import { dayKey, dayLabel } from "./dates.js";

describe("day labels", () => {
  const now = new Date(2026, 10, 23, 15, 0);
  const at = (day: number, hour = 9) => new Date(2026, 10, day, hour).toISOString();

  it("groups by the local calendar day", () => {
    expect(dayKey(at(23, 0))).toBe(dayKey(at(23, 23)));
    expect(dayKey(at(22, 23))).not.toBe(dayKey(at(23, 0)));
  });

  it("says Today, Yesterday, a weekday, then the date", () => {
    expect(dayLabel(at(23), now)).toBe("Today");
    expect(dayLabel(at(22, 23), now)).toBe("Yesterday");
    expect(dayLabel(at(19), now)).not.toMatch(/\d/);
    expect(dayLabel(at(1), now)).toMatch(/2026/);
  });
});
