import type { SendAck } from "@chatapp/client";
import { expect } from "vitest";
import { testClient, waitUntil } from "./helpers.js";

export interface ChaosServer {
  wsUrl: string;
  url: string;
  token(userId: number): Promise<string>;
}

export interface ChaosOptions {
  /** Users come in pairs, each pair one direct conversation. */
  pairs: number;
  /** Clients (devices) per user. */
  devices: number;
  /** Messages each client sends. */
  perClient: number;
  /** Most unacknowledged sends per client. */
  window: number;
  /** First user id (keeps runs on one database apart). */
  firstUser: number;
  /** Each client waits up to this long (uniformly at random) before each send: stretches the run over many disruptions. */
  paceMs: number;
}

export type ChaosClient = ReturnType<typeof testClient>;

/**
 * Many SDK clients in direct conversations send as fast as their window allows while the
 * caller disrupts things. `run` resolves when every send has been acked; `verify` then checks
 * the guarantees: every client holds every message of its conversation exactly once and in
 * seq order, and the database holds each exactly once.
 */
export async function startChaos(server: ChaosServer, options: ChaosOptions) {
  const users = Array.from({ length: options.pairs * 2 }, (_, i) => options.firstUser + i);
  const peerOf = (user: number) => ((user - options.firstUser) % 2 === 0 ? user + 1 : user - 1);
  // Every user exists before anyone sends to them.
  await Promise.all(
    users.map(async (u) => {
      const res = await fetch(`${server.url}/api/me`, { headers: { authorization: `Bearer ${await server.token(u)}` } });
      if (res.status !== 200) throw new Error(`could not provision user ${u}`);
    }),
  );
  const clients: ChaosClient[] = users.flatMap((u) =>
    Array.from({ length: options.devices }, () =>
      testClient(server, u, {
        sendTimeoutMs: 0,
        backoff: { initialMs: 20, maxMs: 400 },
        pingIntervalMs: 2000,
        pongTimeoutMs: 2000,
      }),
    ),
  );
  await Promise.all(clients.map((c) => c.client.connect()));

  const acks: { ack: SendAck; userId: number }[] = [];
  const total = clients.length * options.perClient;
  const run = Promise.all(
    clients.map(async (c, k) => {
      const inFlight = new Set<Promise<unknown>>();
      for (let i = 0; i < options.perClient; i++) {
        while (inFlight.size >= options.window) await Promise.race(inFlight);
        // Pacing of the load, not a wait for anything: each send after a random pause.
        await new Promise((r) => setTimeout(r, Math.random() * options.paceMs));
        const p: Promise<unknown> = c.client.send({ receiverId: peerOf(c.userId) }, `client ${k} message ${i}`).then((ack) => {
          acks.push({ ack, userId: c.userId });
          inFlight.delete(p);
        });
        inFlight.add(p);
      }
      await Promise.all(inFlight);
    }),
  );

  return {
    clients,
    total,
    run,
    progress: () => acks.length / total,
    async verify() {
      expect(acks).toHaveLength(total);
      // Both users of a pair send, so the acks say who is in which conversation.
      const members = new Map<number, Set<number>>();
      for (const { ack, userId } of acks) {
        const set = members.get(ack.conversationId) ?? new Set<number>();
        set.add(userId);
        members.set(ack.conversationId, set);
      }
      expect(members.size).toBe(options.pairs);
      const perConversation = options.devices * 2 * options.perClient;
      const expected = Array.from({ length: perConversation }, (_, i) => i + 1);
      // Every client ends up holding all of its conversation, once each, in seq order.
      for (const c of clients) {
        const conversationId = [...members].find(([, users]) => users.has(c.userId))?.[0] as number;
        const held = () => c.received.get(conversationId) ?? [];
        await waitUntil(() => held().length >= perConversation, 20_000, `a client of user ${c.userId} to catch up`);
        expect(held().map((m) => m.seq)).toEqual(expected);
        expect(new Set(held().map((m) => m.id)).size).toBe(perConversation);
      }
      // The database holds each message exactly once.
      for (const [conversationId, users] of members) {
        const res = await fetch(`${server.url}/api/conversations/${conversationId}/messages?after_seq=0&limit=1000`, {
          headers: { authorization: `Bearer ${await server.token([...users][0] as number)}` },
        });
        const stored = (await res.json()) as { messages: { seq: number; client_id?: string }[]; has_more: boolean };
        expect(stored.has_more).toBe(false);
        expect(stored.messages.map((m) => m.seq)).toEqual(expected);
        expect(new Set(stored.messages.map((m) => m.client_id)).size).toBe(perConversation);
      }
      for (const c of clients) c.client.close();
    },
  };
}

/** Calls `disrupt` every 100–300 ms until the returned function is called. */
export function every100to300ms(disrupt: () => void | Promise<void>): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout>;
  const tick = () => {
    timer = setTimeout(
      async () => {
        if (stopped) return;
        await disrupt();
        tick();
      },
      100 + Math.random() * 200,
    );
  };
  tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

export const pick = <T>(items: T[]): T | undefined => items[Math.floor(Math.random() * items.length)];
