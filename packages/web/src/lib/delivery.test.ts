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

  it("does not count a newcomer's starting cursor as a read", () => {
    const dave = { user_id: 4, role: "member" as const, status: "offline" as const, delivered_seq: 6, read_seq: 6 };
    const added = (user_ids: number[], user_count?: number) => [
      { seq: 6, sender_id: 1 },
      {
        seq: 7,
        sender_id: 1,
        kind: "system" as const,
        system: { event: "member_joined" as const, actor_id: 1, user_ids, user_count },
      },
      { seq: 8, sender_id: 2 },
    ];
    expect([...readersBySeq([dave], 1, added([4]))]).toEqual([]);
    // Added among more people than the system message names.
    expect([...readersBySeq([dave], 1, added([5], 30))]).toEqual([]);
    // Someone else's addition right after a real read of seq 6 leaves that read alone.
    expect([...readersBySeq([dave], 1, added([5]))]).toEqual([[6, [4]]]);
    // Once they read on, they are placed where they read.
    expect([...readersBySeq([{ ...dave, read_seq: 8 }], 1, added([4]))]).toEqual([[8, [4]]]);
  });
});
