import type { Message } from "@chatapp/protocol";
import { describe, expect, it } from "vitest";
import { isTopLevel, withThreadCount } from "./thread-counts.js";

const message = (id: number, fields: Partial<Message> = {}): Message => ({
  id,
  conversation_id: 1,
  seq: id,
  sender_id: 2,
  content: `m${id}`,
  timestamp: "2026-01-01T00:00:00.000Z",
  status: "sent",
  ...fields,
});

describe("thread counts in a timeline", () => {
  it("sets a root's counters, and removes them when no reply is left", () => {
    const messages = [message(1), message(2)];
    const counted = withThreadCount(messages, { conversation_id: 1, root_id: 1, reply_count: 2, last_reply_at: "x" });
    expect(counted[0]).toMatchObject({ reply_count: 2, last_reply_at: "x" });
    expect(counted[1]).toBe(messages[1]);
    const none = withThreadCount(counted, { conversation_id: 1, root_id: 1, reply_count: 0 });
    expect(none[0]).not.toHaveProperty("reply_count");
    expect(none[0]).not.toHaveProperty("last_reply_at");
    expect(withThreadCount(messages, { conversation_id: 1, root_id: 9, reply_count: 1 })).toBe(messages);
  });

  it("tells thread replies and pending thread sends from top-level messages", () => {
    expect(isTopLevel(message(1))).toBe(true);
    expect(isTopLevel(message(2, { thread_root_id: 1 }))).toBe(false);
    expect(isTopLevel({ threadRootId: 1 })).toBe(false);
  });
});
