import { PUSH_PAYLOAD_MAX_BYTES } from "@chatapp/protocol";
import { describe, expect, it } from "vitest";
import { type NotificationFacts, notificationNeededData, pushMessagePayload } from "./payloads.js";

const facts = (over: Partial<NotificationFacts> = {}): NotificationFacts => ({
  userId: 2,
  conversationId: 7,
  conversationType: "group",
  conversationTitle: "Launch",
  message: { id: 101, seq: 42, senderId: 1, content: "hi", mentions: [], replyToId: null },
  senderName: "Ann",
  previews: true,
  ...over,
});

describe("push payloads", () => {
  it("carries the contract's fields", () => {
    expect(JSON.parse(pushMessagePayload(facts()))).toEqual({
      type: "message",
      conversation_id: 7,
      message_id: 101,
      seq: 42,
      sender_id: 1,
      sender_name: "Ann",
      conversation_title: "Launch",
      preview: "hi",
    });
  });

  it("keeps no content with previews off, in the push and the event", () => {
    const off = facts({
      previews: false,
      message: { id: 1, seq: 1, senderId: 1, content: "secret", mentions: [], replyToId: null },
    });
    expect(pushMessagePayload(off)).not.toContain("secret");
    expect(JSON.stringify(notificationNeededData(off))).not.toContain("secret");
  });

  it("stays within the size limit however long the names are", () => {
    const long = "𝒜".repeat(2000);
    const text = pushMessagePayload(
      facts({
        senderName: long,
        conversationTitle: long,
        message: { id: 1, seq: 1, senderId: 1, content: long, mentions: [], replyToId: null },
      }),
    );
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(PUSH_PAYLOAD_MAX_BYTES);
    const parsed = JSON.parse(text);
    expect(Array.from(parsed.sender_name as string)).toHaveLength(100);
    expect(Array.from(parsed.preview as string)).toHaveLength(100);
  });
});
