import { describe, expect, it } from "vitest";
import { directStatus, readersBySeq } from "./delivery.js";

describe("delivery status", () => {
  it("follows the other member's cursors", () => {
    expect(directStatus(5, { delivered_seq: 4, read_seq: 2 })).toBe("sent");
    expect(directStatus(5, { delivered_seq: 5, read_seq: 2 })).toBe("delivered");
    expect(directStatus(5, { delivered_seq: 9, read_seq: 7 })).toBe("read");
    expect(directStatus(5, undefined)).toBe("sent");
  });

  it("places each other member at the message they read up to", () => {
    const member = (user_id: number, read_seq: number) => ({
      user_id,
      role: "member" as const,
      status: "online" as const,
      delivered_seq: read_seq,
      read_seq,
    });
    const readers = readersBySeq([member(1, 9), member(2, 7), member(3, 7), member(4, 0)], 1, []);
    expect([...readers]).toEqual([[7, [2, 3]]]);
  });

  it("counts a member's own later message as seen by them", () => {
    const member = { user_id: 2, role: "member" as const, status: "online" as const, delivered_seq: 4, read_seq: 4 };
    const messages = [
      { seq: 5, sender_id: 2 },
      { seq: 6, sender_id: 1 },
    ];
    expect([...readersBySeq([member], 1, messages)]).toEqual([[5, [2]]]);
  });
});
