import { describe, expect, it } from "vitest";
import { receiverOf, statusFrom, toWireMessage } from "./message-view.js";

const member = (user_id: number, delivered_seq: number, read_seq: number) => ({ user_id, delivered_seq, read_seq });

describe("statusFrom", () => {
  it("derives a direct message's status from the receiver's cursors", () => {
    const sender = member(1, 0, 0);
    expect(statusFrom(5, 1, [sender, member(2, 4, 3)])).toBe("sent");
    expect(statusFrom(5, 1, [sender, member(2, 5, 3)])).toBe("delivered");
    expect(statusFrom(5, 1, [sender, member(2, 9, 5)])).toBe("read");
  });

  it("in a group, is only as far as the slowest other member", () => {
    expect(statusFrom(5, 1, [member(1, 0, 0), member(2, 9, 9), member(3, 5, 0)])).toBe("delivered");
    expect(statusFrom(5, 1, [member(1, 0, 0), member(2, 9, 9), member(3, 4, 0)])).toBe("sent");
  });

  it("is sent when nobody else is in the conversation", () => {
    expect(statusFrom(1, 1, [member(1, 0, 0)])).toBe("sent");
  });
});

describe("toWireMessage", () => {
  const m = {
    id: 10,
    conversationId: 3,
    seq: 2,
    senderId: 1,
    clientId: null,
    content: "hi",
    createdAt: Date.UTC(2026, 10, 23, 10),
  };

  it("renders the seed fields, with an ISO timestamp in UTC and milliseconds", () => {
    expect(toWireMessage(m, 2, "sent")).toEqual({
      id: 10,
      conversation_id: 3,
      seq: 2,
      sender_id: 1,
      receiver_id: 2,
      content: "hi",
      timestamp: "2026-11-23T10:00:00.000Z",
      status: "sent",
    });
  });

  it("leaves receiver_id out for groups and adds client_id when there is one", () => {
    const wire = toWireMessage({ ...m, clientId: "c" }, undefined, "read");
    expect(wire).not.toHaveProperty("receiver_id");
    expect(wire.client_id).toBe("c");
  });

  it("finds the other member of a direct conversation", () => {
    expect(receiverOf("direct", [4, 9], 4)).toBe(9);
    expect(receiverOf("group", [4, 9], 4)).toBeUndefined();
  });
});
