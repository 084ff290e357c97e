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

  it("warns that LINK_PREVIEW_ALLOW_PRIVATE=true lets users reach the server's own network", () => {
    const [warning] = startupWarnings(loadConfig({ ...base, LINK_PREVIEW_ALLOW_PRIVATE: "true" }));
    expect(warning).toMatch(/LINK_PREVIEW_ALLOW_PRIVATE=true/);
    expect(warning).toMatch(/tests or a closed intranet/);
    expect(startupWarnings(loadConfig({ ...base, LINK_PREVIEW_ALLOW_PRIVATE: "true", LINK_PREVIEWS: "false" }))).toEqual([]);
  });

  it("warns when JWT_SECRET is random for this process", () => {
    expect(startupWarnings(loadConfig({})).join("\n")).toMatch(/JWT_SECRET is not set/);
  });

  it("says where the generated secret is kept, and whether this start made it", () => {
    const config = loadConfig({ DATABASE_URL: "sqlite:/srv/chat/chat.db" });
    const made = startupWarnings({ ...config, jwtSecretCreated: true }).join("\n");
    expect(made).toContain("JWT_SECRET is not set: generated a secret and saved it in /srv/chat/jwt-secret (mode 0600)");
    expect(made).toContain("NODE_ENV=production requires it");
    const kept = startupWarnings({ ...config, jwtSecretCreated: false }).join("\n");
    expect(kept).toContain("using the secret generated earlier in /srv/chat/jwt-secret");
  });
});
