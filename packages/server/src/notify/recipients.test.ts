import { describe, expect, it } from "vitest";
import type { PlannedMessage } from "../store/notifications-repo.js";
import { latestPerMember } from "./recipients.js";

const msg = (seq: number, senderId: number, extra: Partial<PlannedMessage> = {}): PlannedMessage => ({
  id: 100 + seq,
  seq,
  senderId,
  content: `m${seq}`,
  mentions: [],
  replyToId: null,
  ...extra,
});
const ids = (m: Map<number, PlannedMessage>) => [...m].map(([u, x]) => [u, x.seq]).sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0));

describe("latestPerMember", () => {
  it("names the latest message for each member but its sender, and the sender the latest by someone else", () => {
    const members = new Map([
      [1, 0],
      [2, 0],
      [3, 0],
    ]);
    const messages = [msg(3, 1), msg(2, 1), msg(1, 2)];
    expect(ids(latestPerMember({ messages, members, mentionsOnly: false, replyAuthors: new Map() }))).toEqual([
      [1, 1],
      [2, 3],
      [3, 3],
    ]);
  });

  it("leaves out members whose read cursor reached the message, and non-members (a former sender)", () => {
    const members = new Map([
      [1, 0],
      [2, 3],
    ]);
    const messages = [msg(3, 1), msg(2, 7)];
    expect(ids(latestPerMember({ messages, members, mentionsOnly: false, replyAuthors: new Map() }))).toEqual([[1, 2]]);
  });

  it("in mentions-only groups names each member's latest mention or reply to them", () => {
    const members = new Map([
      [1, 0],
      [2, 0],
      [3, 0],
      [4, 0],
    ]);
    const messages = [msg(4, 1), msg(3, 1, { mentions: [2] }), msg(2, 4, { replyToId: 50, mentions: [4] }), msg(1, 2)];
    const got = latestPerMember({ messages, members, mentionsOnly: true, replyAuthors: new Map([[50, 3]]) });
    // 4 mentioned themselves: never their own message.
    expect(ids(got)).toEqual([
      [2, 3],
      [3, 2],
    ]);
  });

  it("passes over a blocked sender's newer message for an older one from someone else", () => {
    const members = new Map([
      [1, 0],
      [2, 0],
      [3, 0],
    ]);
    const messages = [msg(3, 1), msg(2, 1), msg(1, 2)];
    const blocks = (u: number, s: number) => u === 3 && s === 1;
    expect(ids(latestPerMember({ messages, members, mentionsOnly: false, replyAuthors: new Map(), blocks }))).toEqual([
      [1, 1],
      [2, 3],
      [3, 1],
    ]);
  });
});
