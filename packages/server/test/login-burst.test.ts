import { describeEachDialect, describeWithRedis, REDIS_URL, startSuite, type TestServer } from "@chatapp/testkit";
import { expect, it } from "vitest";

const LIMIT = 10;

/**
 * Issue 12, finding 4: the per-username count was read before argon2 and raised after it, so
 * a burst of concurrent guesses was checked in full before the first failure counted. Here 75
 * wrong passwords at once from four addresses (spread over `servers`, which share the count).
 */
async function burstOfWrongLogins(servers: TestServer[]): Promise<void> {
  const username = `target${Date.now().toString(36)}`;
  const right = "the right password";
  const login = (password: string, i: number) =>
    fetch(`${servers[i % servers.length]?.url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": `198.51.100.${i % 4}` },
      body: JSON.stringify({ username, password }),
    });
  const registered = await servers[0]?.http("/api/auth/register", { method: "POST", json: { username, password: right } });
  expect(registered?.status).toBe(201);
  const burst = await Promise.all(Array.from({ length: 75 }, (_, i) => login(`guess ${i}`, i)));
  const statuses = burst.map((r) => r.status);
  const checked = statuses.filter((s) => s === 401).length;
  console.log(`[figure] wrong logins checked of a burst of 75: ${checked}`);
  expect(checked).toBeLessThanOrEqual(LIMIT);
  expect(statuses.filter((s) => s === 429).length).toBe(75 - checked);
  expect(Number(burst.find((r) => r.status === 429)?.headers.get("retry-after"))).toBeGreaterThan(0);
  // Over the limit: even the right password waits.
  expect((await login(right, 9)).status).toBe(429);
}

const env = { TRUST_PROXY: "true", AUTH_ATTEMPTS_PER_MINUTE_PER_USERNAME: String(LIMIT) };

describeEachDialect(
  "login limit under a burst",
  (dialect) => {
    it("checks at most the limit of a concurrent burst of wrong logins from many addresses", async () => {
      const suite = await startSuite(dialect, { env });
      try {
        await burstOfWrongLogins([suite.server]);
      } finally {
        await suite.done();
      }
    });
  },
  { only: ["sqlite"] },
);

describeWithRedis("login limit under a burst, counted in Redis", () => {
  describeEachDialect(
    "two nodes",
    (dialect) => {
      it("checks at most the limit across the nodes", async () => {
        // DATABASE_URL only passes the config check (a cluster needs a shared database): the
        // suite's own database replaces it.
        const suite = await startSuite(dialect, {
          env: { ...env, REDIS_URL, DATABASE_URL: "postgres://u@127.0.0.1/x", UPLOAD_DIR: "./data/uploads" },
        });
        const second = await suite.server.restart();
        try {
          await burstOfWrongLogins([suite.server, second]);
        } finally {
          await suite.done([second]);
        }
      });
    },
    { only: ["postgres"] },
  );
});
