import type { Conversation, Message } from "@chatapp/protocol";
import { describe, expect, it } from "vitest";
import { byActivity, mergeMessages, withKnownCursors, withNewMessage, withReceipt } from "./chat-state.js";

const message = (seq: number, extra: Partial<Message> = {}): Message => ({
  id: 100 + seq,
  conversation_id: 7,
  seq,
  sender_id: 2,
  content: `m${seq}`,
  timestamp: new Date(Date.UTC(2026, 10, 23, 10, seq)).toISOString(),
  status: "sent",
  ...extra,
});

const conversation = (extra: Partial<Conversation> = {}): Conversation => ({
  id: 7,
  kind: "direct",
  title: null,
  members: [
    { user_id: 1, role: "member", status: "online", delivered_seq: 2, read_seq: 2 },
    { user_id: 2, role: "member", status: "online", delivered_seq: 2, read_seq: 2 },
  ],
  member_count: 2,
  last_seq: 2,
  last_message: message(2),
  read_seq: 2,
  unread_count: 0,
  mention_count: 0,
  mentioned: false,
  muted: false,
  muted_until: null,
  last_activity: message(2).timestamp,
  ...extra,
});

describe("chat state", () => {
  it("merges history and live messages by seq, once each, in order", () => {
    const merged = mergeMessages([message(3), message(5)], [message(4), message(3), message(1)]);
    expect(merged.map((m) => m.seq)).toEqual([1, 3, 4, 5]);
  });

  it("keeps the deleted or later-edited version of a message", () => {
    const deleted = message(3, { deleted: true, content: "" });
    expect(mergeMessages([deleted], [message(3)])[0]).toBe(deleted);
    const edited = message(3, { content: "new", edited_at: "2026-11-23T11:00:00.000Z" });
    expect(mergeMessages([edited], [message(3)])[0]).toBe(edited);
    expect(mergeMessages([message(3)], [edited])[0]).toBe(edited);
  });

  it("counts others' new messages as unread unless the conversation is on screen", () => {
    expect(withNewMessage(conversation(), message(3), 1, false).unread_count).toBe(1);
    expect(withNewMessage(conversation(), message(3), 1, true).unread_count).toBe(0);
    expect(withNewMessage(conversation(), message(3, { sender_id: 1 }), 1, false).unread_count).toBe(0);
    expect(withNewMessage(conversation(), message(2), 1, false)).toEqual(conversation());
  });

  it("clears the badge when one's own read cursor reaches the end (another device read it)", () => {
    const unread = conversation({ last_seq: 4, unread_count: 2 });
    const receipt = { type: "receipt" as const, conversation_id: 7, user_id: 1, delivered_seq: 4, read_seq: 4 };
    expect(withReceipt(unread, receipt, 1).unread_count).toBe(0);
    const other = withReceipt(unread, { ...receipt, user_id: 2 }, 1);
    expect(other.members[1]?.read_seq).toBe(4);
    expect(other.unread_count).toBe(2);
  });

  it("orders conversations by their last activity", () => {
    const a = conversation({ id: 1, last_activity: "2026-11-23T10:00:00.000Z" });
    const b = conversation({ id: 2, last_activity: "2026-11-23T11:00:00.000Z" });
    expect(byActivity([a, b]).map((c) => c.id)).toEqual([2, 1]);
  });

  it("keeps cursors that a late answer would take back", () => {
    const known = withReceipt(
      conversation({ last_seq: 4 }),
      { type: "receipt", conversation_id: 7, user_id: 2, delivered_seq: 4, read_seq: 4 },
      1,
    );
    const stale = conversation({ last_seq: 4, unread_count: 0 });
    const merged = withKnownCursors(stale, known);
    expect(merged.members.find((m) => m.user_id === 2)).toMatchObject({ delivered_seq: 4, read_seq: 4 });
    // Newer news from the server wins.
    const fresh = conversation({
      last_seq: 6,
      members: [{ user_id: 2, role: "member", status: "online", delivered_seq: 6, read_seq: 5 }],
    });
    expect(withKnownCursors(fresh, known).members[0]).toMatchObject({ delivered_seq: 6, read_seq: 5 });
    // One's own read position too: nothing is unread past it.
    const unread = conversation({ last_seq: 4, read_seq: 2, unread_count: 2 });
    expect(withKnownCursors(unread, conversation({ last_seq: 4, read_seq: 4 }))).toMatchObject({ read_seq: 4, unread_count: 0 });
  });
});
