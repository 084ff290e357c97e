import type { Message } from "@chatapp/protocol";
import { describe, expect, it } from "vitest";
import { ThreadCounts } from "./thread-counts.js";

const message = (id: number, fields: Partial<Message> = {}): Message => ({
  id,
  conversation_id: 1,
  seq: id,
  sender_id: 2,
  content: `m${id}`,
  timestamp: `2026-01-01T00:00:0${id}.000Z`,
  status: "sent",
  ...fields,
});

describe("ThreadCounts", () => {
  it("counts replies of a known root once, and not those its count already held", () => {
    const counts = new ThreadCounts();
    counts.observe([message(1)]);
    expect(counts.reply(message(2, { thread_root_id: 1 }))).toEqual({
      rootId: 1,
      replyCount: 1,
      lastReplyAt: message(2).timestamp,
    });
    // The same reply again (a resend, a resume) changes nothing.
    expect(counts.reply(message(2, { thread_root_id: 1 }))).toBeUndefined();
    // A copy of the root read later already counts reply 3: reply 3 arriving after it is not counted again.
    counts.observe([message(1, { reply_count: 2, last_reply_at: message(3).timestamp })]);
    expect(counts.reply(message(3, { thread_root_id: 1 }))).toBeUndefined();
    expect(counts.reply(message(4, { thread_root_id: 1 }))).toMatchObject({ replyCount: 3 });
    // An older copy of the root does not turn the count back.
    counts.observe([message(1, { reply_count: 1, last_reply_at: message(2).timestamp })]);
    expect(counts.get(1)).toMatchObject({ replyCount: 3 });
    expect(counts.deleted(4)).toMatchObject({ replyCount: 2 });
    expect(counts.deleted(4)).toBeUndefined();
  });

  it("ignores replies to roots it has not seen, and system messages as roots", () => {
    const counts = new ThreadCounts();
    counts.observe([message(1, { kind: "system" })]);
    expect(counts.reply(message(2, { thread_root_id: 1 }))).toBeUndefined();
    expect(counts.reply(message(3, { thread_root_id: 9 }))).toBeUndefined();
  });
});
