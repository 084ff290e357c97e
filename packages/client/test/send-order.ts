import type { ChatClient, SendAck, Target } from "@chatapp/client";
import type { TestServer } from "@chatapp/testkit";
import { expect } from "vitest";

/** The server's default rate limits (the test helper turns every limit off). */
export const DEFAULT_RATE_LIMITS: Record<string, string> = {
  RATE_MESSAGES_PER_SECOND: "10",
  RATE_MESSAGES_BURST: "30",
  RATE_FRAMES_PER_SECOND: "50",
  RATE_FRAMES_BURST: "100",
};

export type OrderServer = Pick<TestServer, "url" | "token">;

/** Makes the users exist (a token's first use provisions its user). */
export async function provision(server: OrderServer, users: number[]): Promise<void> {
  for (const u of users) {
    const res = await fetch(`${server.url}/api/me`, { headers: { authorization: `Bearer ${await server.token(u)}` } });
    if (res.status !== 200) throw new Error(`could not provision user ${u}`);
  }
}

/**
 * Calls `send` `perTarget` times for each target, round robin over the targets, all at once
 * (`Promise.all`, as an app firing off a burst). Resolves with each call's outcome, in call order.
 */
export function burst(client: ChatClient, targets: Target[], perTarget: number, content = (i: number, t: number) => `${t}:${i}`) {
  const calls: { target: number; content: string; result: Promise<SendAck> }[] = [];
  for (let i = 0; i < perTarget; i++) {
    targets.forEach((target, t) => {
      const text = content(i, t);
      calls.push({ target: t, content: text, result: client.send(target, text) });
    });
  }
  return calls;
}

/** A conversation's stored messages over HTTP, by seq. */
export async function history(server: OrderServer, userId: number, conversationId: number) {
  const messages: { seq: number; sender_id: number; content: string }[] = [];
  for (let after = 0; ; ) {
    const res = await fetch(`${server.url}/api/conversations/${conversationId}/messages?after_seq=${after}&limit=1000`, {
      headers: { authorization: `Bearer ${await server.token(userId)}` },
    });
    const page = (await res.json()) as { messages: typeof messages; has_more: boolean };
    messages.push(...page.messages);
    if (!page.has_more || page.messages.length === 0) return messages;
    after = page.messages.at(-1)?.seq ?? after;
  }
}

/**
 * Every call was acked, and each target's conversation holds the sender's messages exactly
 * in call order: nothing lost, duplicated or swapped.
 */
export async function expectStoredInCallOrder(
  server: OrderServer,
  sender: number,
  calls: { target: number; content: string; result: Promise<SendAck> }[],
): Promise<void> {
  const acks = await Promise.all(calls.map((c) => c.result));
  for (const t of new Set(calls.map((c) => c.target))) {
    const mine = calls.flatMap((c, i) => (c.target === t ? [{ content: c.content, ack: acks[i] as SendAck }] : []));
    const conversationId = mine[0]?.ack.conversationId as number;
    expect(new Set(mine.map((m) => m.ack.conversationId))).toEqual(new Set([conversationId]));
    const stored = (await history(server, sender, conversationId)).filter((m) => m.sender_id === sender);
    expect(stored.map((m) => m.content)).toEqual(mine.map((m) => m.content));
  }
}

/** Calls `disrupt` every `ms` until the returned function is called. */
export function every(ms: number, disrupt: () => void): () => void {
  const timer = setInterval(disrupt, ms);
  return () => clearInterval(timer);
}
