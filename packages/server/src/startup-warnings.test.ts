import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.js";
import { startupWarnings } from "./startup-warnings.js";

const base = { JWT_SECRET: "a-secret-of-thirty-two-characters-or-more" };

describe("start-up warnings", () => {
  it("warns that TRUST_PROXY=true lets any client choose its address, and says what to set", () => {
    const [warning] = startupWarnings(loadConfig({ ...base, TRUST_PROXY: "true" }));
    expect(warning).toMatch(/TRUST_PROXY=true/);
    expect(warning).toMatch(/number of proxies/);
  });

  it("says nothing for a hop count, addresses, or no proxy", () => {
    for (const value of ["1", "10.0.0.0/8", "false"]) {
      expect(startupWarnings(loadConfig({ ...base, TRUST_PROXY: value }))).toEqual([]);
    }
  });

  it("warns when JWT_SECRET is random for this process", () => {
    expect(startupWarnings(loadConfig({})).join("\n")).toMatch(/JWT_SECRET is not set/);
  });
});
