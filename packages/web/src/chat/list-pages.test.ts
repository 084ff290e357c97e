import type { Conversation } from "@chatapp/protocol";
import { describe, expect, it } from "vitest";
import { afterPage, withFirstPage } from "./list-pages.js";

const at = (minute: number) => new Date(Date.UTC(2026, 10, 23, 10, minute)).toISOString();
const c = (id: number, minute: number): Conversation => ({
  id,
  kind: "group",
  title: `g${id}`,
  members: [],
  member_count: 1,
  last_seq: 1,
  last_message: null,
  read_seq: 1,
  unread_count: 0,
  mention_count: 0,
  mentioned: false,
  muted: false,
  muted_until: null,
  last_activity: at(minute),
});
const idle = { more: false, loading: false };

describe("conversation list pages", () => {
  it("keeps what lies below a full first page, drops what vanished from within it, and pages on from its end", () => {
    // 5 came from a live event (not from a page): paging must not start below it.
    const loaded = new Map([c(1, 50), c(2, 40), c(5, 10)].map((x) => [x.id, x]));
    const { conversations, paging } = withFirstPage(loaded, [c(6, 60), c(1, 50), c(3, 30)], 3, idle);
    expect([...conversations.keys()].sort()).toEqual([1, 3, 5, 6]);
    expect(paging).toEqual({ more: true, loading: false, cursor: { last_activity: at(30), id: 3 } });
  });

  it("keeps its place when older pages were loaded before a refresh", () => {
    const before = { more: true, loading: false, cursor: { last_activity: at(5), id: 9 } };
    expect(withFirstPage(new Map(), [c(6, 60), c(1, 50)], 2, before).paging).toEqual(before);
  });

  it("a short first page is the whole list", () => {
    expect(withFirstPage(new Map([[9, c(9, 1)]]), [c(1, 50)], 3, idle)).toEqual({
      conversations: new Map([[1, c(1, 50)]]),
      paging: idle,
    });
  });

  it("an older page moves the cursor to its end; a short one ends the paging", () => {
    expect(afterPage([c(4, 20), c(3, 10)], 2, idle)).toEqual({
      more: true,
      loading: false,
      cursor: { last_activity: at(10), id: 3 },
    });
    expect(afterPage([c(2, 5)], 2, idle).more).toBe(false);
  });
});
