import { type ChatClient, ChatClientError } from "@chatapp/client";
import { describe, expect, it } from "vitest";
import { type ChatState, initialState } from "./chat-state.js";
import { Outbox, refusal } from "./outbox.js";
import { Store } from "./store.js";

/** A client whose sends are refused with `code` the first time and acked after. */
function refusingClient(code: ChatClientError["code"]) {
  const ids: string[] = [];
  const client = {
    send: (_target: unknown, _content: string, options: { clientId: string }) => {
      ids.push(options.clientId);
      return ids.length === 1 ? Promise.reject(new ChatClientError(code, "refused")) : Promise.resolve({});
    },
  };
  return { client: client as unknown as ChatClient, ids };
}

async function sendFailAndRetry(code: ChatClientError["code"]): Promise<string[]> {
  const { client, ids } = refusingClient(code);
  const store = new Store<ChatState>(initialState({ id: 1, username: "me", display_name: "Me", bot: false }));
  const outbox = new Outbox(client, store);
  outbox.start();
  outbox.send(7, "hello");
  await expect.poll(() => store.get().pending[0]?.error).toBeDefined();
  outbox.retry(ids[0] as string);
  await expect.poll(() => store.get().pending).toHaveLength(0);
  return ids;
}

describe("Outbox retry", () => {
  it("keeps the client_id after a timeout: the first send may still be stored", async () => {
    const [first, second] = await sendFailAndRetry("timeout");
    expect(second).toBe(first);
  });

  it("takes a new client_id after a refusal for good, which the old id would meet again", async () => {
    const [first, second] = await sendFailAndRetry("conflict");
    expect(second).not.toBe(first);
  });
});

describe("refusal", () => {
  it("tells a block's refusal apart from a conversation one has left, both being forbidden", () => {
    expect(refusal(new ChatClientError("forbidden", "you cannot send to this conversation"))).toBe(
      "Not sent: you cannot send to this conversation.",
    );
    expect(refusal(new ChatClientError("forbidden", "no such conversation, or you are not a member"))).toBe(
      "Not sent: you are no longer a member of this conversation.",
    );
  });
});
