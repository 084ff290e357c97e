import { LIMITS, type Message } from "@chatapp/protocol";
import { describe, expect, it } from "vitest";
import { bodyText, codePoints, MAX_CONTENT_CHARS, previewText, systemText, tidyContent } from "./message-text.js";

const names: Record<number, string> = { 1: "Alice", 2: "Bob", 3: "Carol" };
const nameOf = (id: number) => names[id] ?? `User ${id}`;
const system = (event: NonNullable<Message["system"]>): Message => ({
  id: 1,
  conversation_id: 7,
  seq: 1,
  sender_id: event.actor_id ?? null,
  content: "changed",
  timestamp: "2026-11-23T10:00:00.000Z",
  status: "sent",
  kind: "system",
  system: event,
});

describe("message text", () => {
  it("uses the protocol's content limit, counted in code points", () => {
    expect(MAX_CONTENT_CHARS).toBe(LIMITS.maxContentChars);
    expect(codePoints("👍a")).toBe(2);
  });

  it("tells system messages with names", () => {
    expect(systemText(system({ event: "conversation_created", actor_id: 1, title: "Trip", user_ids: [2] }), nameOf, 1)).toBe(
      "You created the group “Trip”",
    );
    expect(systemText(system({ event: "member_joined", actor_id: 1, user_ids: [2, 3] }), nameOf, 1)).toBe(
      "You added Bob and Carol",
    );
    expect(systemText(system({ event: "member_left", actor_id: 3, user_ids: [3] }), nameOf, 1)).toBe("Carol left");
    expect(systemText(system({ event: "member_left", actor_id: 1, user_ids: [3] }), nameOf, 1)).toBe("You removed Carol");
    expect(systemText(system({ event: "member_joined", actor_id: 2, user_ids: [1] }), nameOf, 1)).toBe("Bob added you");
    // A big change names its first users and counts the rest.
    expect(systemText(system({ event: "member_joined", actor_id: 1, user_ids: [2, 3], user_count: 999 }), nameOf, 1)).toBe(
      "You added Bob, Carol and 997 others",
    );
  });

  it("previews the last message on one line", () => {
    const message = { ...system({ event: "member_left", actor_id: 3, user_ids: [3] }), kind: undefined, system: undefined };
    expect(previewText({ ...message, content: "a\nb" }, 1, nameOf, true)).toBe("Carol: a b");
    expect(previewText({ ...message, sender_id: 1, deleted: true }, 1, nameOf, false)).toBe("You: Message deleted");
    expect(previewText(null, 1, nameOf, false)).toBe("No messages yet");
  });

  it("trims blank space around what was typed but keeps indentation", () => {
    expect(tidyContent("\n\n  code\n  more  \n\n")).toBe("  code\n  more");
  });
});

describe("bodyText", () => {
  const file = (id: number, name: string) => ({ id, url: `/api/uploads/${id}`, name, content_type: "image/png", size: 1 });

  it("is the text when there is one, and names the files of a message without text", () => {
    expect(bodyText({ content: "look", attachments: [file(1, "plan.png")] })).toBe("look");
    expect(bodyText({ content: "", attachments: [file(1, "plan.png")] })).toBe("📎 plan.png");
    expect(bodyText({ content: "", attachments: [file(1, "a.png"), file(2, "b.png")] })).toBe("📎 2 files");
    expect(bodyText({ content: "" })).toBe("");
  });
});
