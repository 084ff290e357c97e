import { createTestDatabase, startServer, type TestDatabase, type TestServer } from "@chatapp/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GAP_FETCH_LIMITS } from "../src/fetch-limiter.js";
import { testClient, waitUntil } from "./helpers.js";

/** A fetch that counts its requests, those under way, and the most under way at once. */
function countingFetch() {
  const counts = {
    requests: 0,
    inFlight: 0,
    most: 0,
    fetch: (async (input, init) => {
      counts.requests++;
      counts.most = Math.max(counts.most, ++counts.inFlight);
      try {
        return await fetch(input, init);
      } finally {
        counts.inFlight--;
      }
    }) as typeof fetch,
  };
  return counts;
}

describe("catching up after a long absence", () => {
  let database: TestDatabase;
  let server: TestServer;
  beforeAll(async () => {
    database = await createTestDatabase("sqlite");
    server = await startServer(database);
  });
  afterAll(async () => {
    await server.stop();
    await database.drop();
  });

  it("fetches every conversation's gap once, a few at a time, and emits each missed message once in order", async () => {
    const me = 500;
    const peers = Array.from({ length: 3 * GAP_FETCH_LIMITS.limit }, (_, i) => me + 1 + i);
    // The user exists once a connection of theirs was registered.
    const first = testClient(server, me);
    await first.client.connect();
    first.client.close();
    const senders = peers.map((id) => testClient(server, id));
    await Promise.all(senders.map((s) => s.client.connect()));
    const conversations = await Promise.all(
      senders.map(async (s) => (await s.client.send({ receiverId: me }, "before")).conversationId),
    );
    // The app's saved cursors: each conversation read up to its first message.
    const cursors = Object.fromEntries(conversations.map((id) => [id, 1]));
    for (let n = 2; n <= 6; n++) await Promise.all(senders.map((s) => s.client.send({ receiverId: me }, `missed ${n}`)));
    // Another device of the user takes the server's offline backlog, so history alone fills the gaps.
    const other = testClient(server, me);
    await other.client.connect();
    await waitUntil(() => conversations.every((id) => other.received.get(id)?.length === 6), 10_000, "the backlog");
    other.client.close();

    const counting = countingFetch();
    const back = testClient(server, me, { cursors, fetch: counting.fetch });
    await back.client.connect();
    await waitUntil(() => conversations.every((id) => back.received.get(id)?.length === 5), 10_000, "every missed message");
    for (const id of conversations) {
      expect(back.received.get(id)?.map((m) => [m.seq, m.content])).toEqual([2, 3, 4, 5, 6].map((seq) => [seq, `missed ${seq}`]));
    }
    expect(counting.requests).toBe(conversations.length);
    expect(counting.most).toBe(GAP_FETCH_LIMITS.limit);
    back.client.close();
    for (const s of senders) s.client.close();
  });

  it("skips a waiting fetch whose gap the server's backlog filled before its turn", async () => {
    const me = 600;
    const first = testClient(server, me);
    await first.client.connect();
    first.client.close();
    const senders = Array.from({ length: 3 * GAP_FETCH_LIMITS.limit }, (_, i) => testClient(server, me + 1 + i));
    await Promise.all(senders.map((s) => s.client.connect()));
    const conversations = await Promise.all(
      senders.map(async (s) => (await s.client.send({ receiverId: me }, "before")).conversationId),
    );
    const cursors = Object.fromEntries(conversations.map((id) => [id, 1]));
    for (let n = 2; n <= 6; n++) await Promise.all(senders.map((s) => s.client.send({ receiverId: me }, `missed ${n}`)));

    // The user's only device comes back: the backlog brings every missed message on the socket
    // right after `ready`, while the first fetches are under way.
    const counting = countingFetch();
    const back = testClient(server, me, { cursors, fetch: counting.fetch });
    await back.client.connect();
    await waitUntil(() => conversations.every((id) => back.received.get(id)?.length === 5), 10_000, "every missed message");
    await waitUntil(() => counting.inFlight === 0, 10_000, "the fetches under way");
    for (const id of conversations) expect(back.received.get(id)?.map((m) => m.seq)).toEqual([2, 3, 4, 5, 6]);
    expect(counting.requests).toBeLessThan(conversations.length);
    back.client.close();
    for (const s of senders) s.client.close();
  });
});
