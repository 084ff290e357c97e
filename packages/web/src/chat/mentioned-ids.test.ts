import type { Conversation, Message } from "@chatapp/protocol";
import { describe, expect, it } from "vitest";
import { initialState, withEntry } from "./chat-state.js";
import { idsMentioned } from "./mentioned-ids.js";

const removal: Message = {
  id: 9,
  conversation_id: 7,
  seq: 4,
  sender_id: 1,
  kind: "system",
  system: { event: "member_left", actor_id: 1, user_ids: [3] },
  content: "removed a member",
  timestamp: "2026-11-23T10:00:00.000Z",
  status: "sent",
};
const chat: Message = { ...removal, id: 8, seq: 3, sender_id: 3, kind: undefined, system: undefined, content: "hi" };
const group: Conversation = {
  id: 7,
  kind: "group",
  title: "Trip",
  members: [{ user_id: 1, role: "owner", status: "online", delivered_seq: 4, read_seq: 4 }],
  member_count: 2,
  last_seq: 4,
  last_message: removal,
  read_seq: 4,
  unread_count: 0,
  mention_count: 0,
  mentioned: false,
  muted: false,
  muted_until: null,
  last_activity: removal.timestamp,
};
const me = { id: 1, username: "alice", display_name: "Alice", bot: false };

describe("idsMentioned", () => {
  it("names former members from list previews and timelines, not only current members", () => {
    const state = { ...initialState(me), conversations: new Map([[7, group]]) };
    expect([...idsMentioned(state)].sort()).toEqual([1, 3]);
    const withTimeline = {
      ...state,
      timelines: new Map([
        [
          7,
          {
            messages: [chat, { ...removal, sender_id: 2, system: { event: "member_left" as const, actor_id: 2, user_ids: [5] } }],
            loaded: true,
            loadingOlder: false,
          },
        ],
      ]),
    };
    expect([...idsMentioned(withTimeline, state)].sort()).toEqual([2, 3, 5]);
  });

  it("reads only what changed since the state before", () => {
    const state = { ...initialState(me), conversations: new Map([[7, group]]) };
    const next = {
      ...state,
      conversations: withEntry(state.conversations, 8, { ...group, id: 8, last_message: null, members: [] }),
    };
    expect([...idsMentioned(next, state)]).toEqual([]);
    expect(idsMentioned(state, state).size).toBe(0);
  });
});
