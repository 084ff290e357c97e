import type { Message } from "@chatapp/protocol";
import { describe, expect, it } from "vitest";
import { lastEditable } from "./last-editable.js";

const message = (seq: number, sender: number, extra: Partial<Message> = {}): Message =>
  ({ id: seq * 10, conversation_id: 1, seq, sender_id: sender, content: `m${seq}`, timestamp: "", ...extra }) as Message;

describe("lastEditable", () => {
  it("finds one's own latest message, skipping others', system lines and deleted ones", () => {
    const messages = [
      message(1, 7),
      message(2, 7),
      message(3, 8),
      message(4, 7, { deleted: true, content: "" }),
      message(5, 7, { kind: "system" }),
      message(6, 8),
    ];
    expect(lastEditable(messages, 7)?.seq).toBe(2);
    expect(lastEditable(messages, 8)?.seq).toBe(6);
  });

  it("finds nothing when one has written nothing", () => {
    expect(lastEditable([message(1, 8)], 7)).toBeUndefined();
    expect(lastEditable([], 7)).toBeUndefined();
  });
});
