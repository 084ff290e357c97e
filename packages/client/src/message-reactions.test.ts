import type { Message, ReactionFrame } from "@chatapp/protocol";
import { describe, expect, it } from "vitest";
import { MessageReactions } from "./message-reactions.js";

const frame = (userId: number, emoji: string, action: "add" | "remove", count: number): ReactionFrame => ({
  type: "reaction",
  conversation_id: 7,
  message_id: 101,
  user_id: userId,
  emoji,
  action,
  count,
});

const message = (reactions?: Message["reactions"]): Message => ({
  id: 101,
  conversation_id: 7,
  seq: 1,
  sender_id: 1,
  content: "hi",
  timestamp: "2026-11-23T10:00:00.000Z",
  status: "sent",
  ...(reactions ? { reactions } : {}),
});

describe("MessageReactions", () => {
  it("counts from frames, me from the user's own changes, in first-added order", () => {
    const r = new MessageReactions();
    r.apply(frame(2, "👍", "add", 1), 1);
    r.apply(frame(1, "🎉", "add", 1), 1);
    expect(r.apply(frame(1, "👍", "add", 2), 1)).toEqual([
      { emoji: "👍", count: 2, me: true },
      { emoji: "🎉", count: 1, me: true },
    ]);
    // Another user's change keeps what the user did.
    expect(r.apply(frame(3, "👍", "add", 3), 1)[0]).toEqual({ emoji: "👍", count: 3, me: true });
    r.apply(frame(1, "👍", "remove", 2), 1);
    expect(r.of(101)[0]).toEqual({ emoji: "👍", count: 2, me: false });
    r.apply(frame(1, "🎉", "remove", 0), 1);
    expect(r.of(101).map((x) => x.emoji)).toEqual(["👍"]);
  });

  it("seeds from answers, keeps me when a fanned-out copy leaves it out, forgets deleted messages", () => {
    const r = new MessageReactions();
    r.seed(message([{ emoji: "👍", count: 1, me: true }]));
    r.seed(message([{ emoji: "👍", count: 2 }]));
    expect(r.of(101)).toEqual([{ emoji: "👍", count: 2, me: true }]);
    r.seed({ ...message(), deleted: true });
    expect(r.of(101)).toEqual([]);
  });
});
