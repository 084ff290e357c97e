import { createConnection } from "node:net";
import { describe, it } from "vitest";

/**
 * The Redis the cluster suites talk to. When it is not reachable, they are skipped with a
 * loud message, or fail when CHATAPP_REQUIRE_SERVICES=1 (as CI sets it).
 */
export const REDIS_URL = process.env.CHATAPP_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const REQUIRED = process.env.CHATAPP_REQUIRE_SERVICES === "1";

function probe(): Promise<string | undefined> {
  const url = new URL(REDIS_URL);
  return new Promise((resolve) => {
    const socket = createConnection({ host: url.hostname, port: Number(url.port || 6379) });
    const done = (problem: string | undefined) => {
      socket.destroy();
      resolve(problem);
    };
    socket.setTimeout(2000, () => done("timed out"));
    socket.once("error", (err) => done(err.message));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (data) => done(data.toString().startsWith("+PONG") ? undefined : `answered ${data.toString().trim()}`));
  });
}

const problem = await probe();

/** A suite that needs Redis. */
export function describeWithRedis(title: string, body: () => void): void {
  const name = `${title} [redis]`;
  if (problem === undefined) {
    describe(name, body);
  } else if (REQUIRED) {
    describe(name, () => {
      it(`needs Redis at ${REDIS_URL}`, () => {
        throw new Error(`Redis at ${REDIS_URL} is not reachable (${problem}) and CHATAPP_REQUIRE_SERVICES=1`);
      });
    });
  } else {
    console.warn(`\n!!! SKIPPED "${name}": Redis at ${REDIS_URL} is not reachable (${problem}). Start it to run this suite.\n`);
    describe.skip(name, body);
  }
}
