import type { HttpApi } from "@chatapp/client";
import type { Conversation, UserStatusValue } from "@chatapp/protocol";
import type { ChatState, ListPaging, PageCursor } from "./chat-state.js";
import type { Store } from "./store.js";

/** True when `a` comes after `b` in the list (less recently active; ties by lower id), as the server pages. */
export function isOlder(a: PageCursor, b: PageCursor): boolean {
  return a.last_activity === b.last_activity ? a.id < b.id : a.last_activity < b.last_activity;
}

const cursorOf = (c: Conversation): PageCursor => ({ last_activity: c.last_activity, id: c.id });

/**
 * The list after its first page was fetched again (start, reconnect). The page replaces what it
 * covers; conversations below it are kept (older pages, or live events, brought them; the page
 * says nothing about them). One above its end that it does not hold is gone (left, removed).
 * Paging goes on from where it had reached, if that is below this page.
 */
export function withFirstPage(
  current: ReadonlyMap<number, Conversation>,
  page: readonly Conversation[],
  pageSize: number,
  paging: ListPaging,
): { conversations: Map<number, Conversation>; paging: ListPaging } {
  const conversations = new Map(page.map((c) => [c.id, c]));
  const last = page.at(-1);
  if (page.length < pageSize || last === undefined) return { conversations, paging: { more: false, loading: false } };
  for (const c of current.values()) if (!conversations.has(c.id) && isOlder(c, last)) conversations.set(c.id, c);
  const reached = paging.cursor !== undefined && isOlder(paging.cursor, last);
  return {
    conversations,
    paging: reached ? { ...paging, error: undefined } : { more: true, loading: paging.loading, cursor: cursorOf(last) },
  };
}

/** The state's paging after an older page arrived. */
export function afterPage(page: readonly Conversation[], pageSize: number, before: ListPaging): ListPaging {
  const last = page.at(-1);
  return { more: page.length === pageSize, loading: false, cursor: last ? cursorOf(last) : before.cursor };
}

/** Presence as a page of conversations reports it (the list's members carry online/offline). */
export function withMembersPresence(
  presence: ReadonlyMap<number, UserStatusValue>,
  conversations: readonly Conversation[],
  me: number,
): Map<number, UserStatusValue> {
  const next = new Map(presence);
  for (const c of conversations) for (const m of c.members) if (m.user_id !== me) next.set(m.user_id, m.status);
  return next;
}

/** Fetches the page below the last one fetched into the state; a failure is kept there, for a retry. */
export async function loadOlderPage(api: HttpApi, store: Store<ChatState>, pageSize: number): Promise<void> {
  const paging = store.get().listPaging;
  const before = paging.cursor;
  if (!paging.more || paging.loading || before === undefined) return;
  store.update((s) => ({ ...s, listPaging: { ...s.listPaging, loading: true, error: undefined } }));
  let page: Conversation[];
  try {
    page = await api.conversations({ limit: pageSize, before });
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    store.update((s) => ({ ...s, listPaging: { ...s.listPaging, loading: false, error } }));
    return;
  }
  store.update((s) => {
    const merged = new Map(s.conversations);
    // What live events brought meanwhile is at least as fresh as the page.
    for (const c of page) if (!merged.has(c.id)) merged.set(c.id, c);
    return {
      ...s,
      conversations: merged,
      presence: withMembersPresence(s.presence, page, s.me.id),
      listPaging: afterPage(page, pageSize, s.listPaging),
    };
  });
}
