import { ChatClient, type ChatClientOptions } from "@chatapp/client";
import type { Message } from "@chatapp/protocol";
import { eventually, type TestServer } from "@chatapp/testkit";

/** A ChatClient for a test user, recording every message it emits per conversation. */
export function testClient(
  server: Pick<TestServer, "wsUrl" | "token">,
  userId: number,
  options: Partial<ChatClientOptions> = {},
) {
  const client = new ChatClient({
    url: server.wsUrl,
    token: () => server.token(userId),
    backoff: { initialMs: 50, maxMs: 1000 },
    ...options,
  });
  const received = new Map<number, Message[]>();
  client.on("message", (m) => {
    const list = received.get(m.conversation_id) ?? [];
    list.push(m);
    received.set(m.conversation_id, list);
  });
  return { client, received, userId };
}

/** The server suites' poller, with a longer default wait for clients that reconnect. */
export const waitUntil = (check: () => boolean | Promise<boolean>, ms = 10_000, what = "condition"): Promise<void> =>
  eventually(check, ms, what);
