import type { Conversation } from "@chatapp/protocol";
import { defaultRangeExtractor, type Range, useVirtualizer } from "@tanstack/react-virtual";
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { useChat, useChatState } from "../chat/chat-context.js";
import { EMPTY_TIMELINE, hasOlder, type PendingMessage } from "../chat/chat-state.js";
import { isTopLevel } from "../chat/thread-counts.js";
import { readersBySeq } from "../lib/delivery.js";
import { firstUnreadSeq, newFromOthers, type TimelineRow, timelineRows } from "../lib/timeline-rows.js";
import { JumpToLatest } from "./jump-to-latest.js";
import { PendingItem } from "./pending-item.js";
import { TimelineRowView } from "./timeline-row.js";
import { useSeenTracker } from "./use-seen-tracker.js";

/** Closer than this to the bottom counts as "at the bottom": new messages keep it there. */
const STICKY_PX = 64;
/** Closer than this to the top loads the page before. */
const LOAD_OLDER_PX = 600;
/**
 * Up to this many rows the whole conversation is laid out (find-in-page sees all of it, and
 * nothing is measured twice); past it only the rows near the screen are in the page.
 */
const LAY_OUT_ALL_UP_TO = 200;
/** Rows laid out beyond each edge of the screen, so a quick scroll shows no blank. */
const OVERSCAN = 12;
/** The unread divider and a search result land this far below the top edge (a day separator fits above). */
const TARGET_MARGIN_PX = 44;
const NO_PENDING: readonly PendingMessage[] = [];

/** Where the view is held: a row's key, and how far the screen's top edge is below that row's top. */
interface Anchor {
  key: string;
  offset: number;
}

/**
 * The messages of one conversation, oldest at the top: a virtualised list (only the rows near
 * the screen are in the page), so a conversation of thousands scrolls as smoothly as a short
 * one. It opens at the first unread message under an "Unread messages" divider (or at the
 * bottom), follows the bottom as messages arrive unless the reader scrolled up (a jump-to-latest
 * button then counts what arrived), loads older pages near the top while holding the view
 * still, and marks read only what has been on screen.
 */
export function MessageList(props: {
  conversationId: number;
  conversation: Conversation | undefined;
  focusSeq: number | undefined;
}) {
  const { conversationId, conversation, focusSeq } = props;
  const chat = useChat();
  const timeline = useChatState((s) => s.timelines.get(conversationId)) ?? EMPTY_TIMELINE;
  const allPending = useChatState((s) => s.pending);
  const me = useChatState((s) => s.me.id);
  const pending = useMemo(
    () => (allPending.length === 0 ? NO_PENDING : allPending.filter((p) => p.conversationId === conversationId && isTopLevel(p))),
    [allPending, conversationId],
  );
  const scroller = useRef<HTMLElement>(null);
  const list = useRef<HTMLOListElement>(null);
  const older = hasOlder(timeline);
  const lastSeq = timeline.messages.at(-1)?.seq ?? 0;

  // Where the reader had read to when the conversation opened: the divider stays there while
  // it is open (the messages below it are what was new), though reading moves the cursor on.
  const [opening, setOpening] = useState<number | null | undefined>(() => dividerAt(conversation));
  useEffect(() => {
    if (opening === undefined && conversation) setOpening(dividerAt(conversation));
  }, [opening, conversation]);
  // Thread replies show in their thread's panel, not here.
  const shown = useMemo(() => timeline.messages.filter(isTopLevel), [timeline.messages]);
  const unreadAfter = opening ?? undefined;
  const firstUnread = unreadAfter === undefined ? undefined : firstUnreadSeq(shown, unreadAfter, me);
  const rows = useMemo(
    () => timelineRows(shown, timeline.loaded && !older, firstUnread),
    [shown, timeline.loaded, older, firstUnread],
  );
  const readers = useMemo(
    () => (conversation?.kind === "group" ? readersBySeq(conversation.members, me, timeline.messages) : undefined),
    [conversation, me, timeline.messages],
  );
  const count = rows.length + pending.length;
  const keyOf = useCallback(
    (index: number) => rows[index]?.key ?? `pending-${pending[index - rows.length]?.clientId}`,
    [rows, pending],
  );

  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scroller.current,
    estimateSize: (index) => estimate(rows[index]),
    getItemKey: keyOf,
    overscan: OVERSCAN,
    rangeExtractor: useCallback(
      (range: Range) => (range.count <= LAY_OUT_ALL_UP_TO ? allIndexes(range.count) : defaultRangeExtractor(range)),
      [],
    ),
    paddingStart: 12,
    paddingEnd: 4,
    useFlushSync: false,
  });
  // The list holds the view itself (by its anchor), rather than the virtualiser nudging it.
  virtualizer.shouldAdjustScrollPositionOnItemSizeChange = () => false;

  const following = useRef(true);
  const anchor = useRef<Anchor>(undefined);
  const positioned = useRef(false);
  const [highlighted, setHighlighted] = useState<number>();
  // Scrolled away from the bottom: since which message new ones are counted for the button.
  const [awaySince, setAwaySince] = useState<number>();

  const indexOf = useCallback((key: string) => rows.findIndex((r) => r.key === key), [rows]);
  const holdAt = useCallback((key: string, offset: number) => {
    following.current = false;
    anchor.current = { key, offset };
  }, []);

  // Opening: at the search result, else under the unread divider, else at the bottom; once the
  // rows it needs are loaded.
  const target = focusSeq ?? (unreadAfter === undefined ? undefined : unreadAfter + 1);
  const firstSeq = timeline.messages[0]?.seq;
  useEffect(() => {
    if (!timeline.loaded || target === undefined || timeline.error) return;
    if (firstSeq !== undefined && firstSeq > target && older) void chat.timelines.loadUntil(conversationId, target);
  }, [chat, conversationId, timeline.loaded, timeline.error, target, firstSeq, older]);

  // Opened from a search result while already open: go there once it is loaded.
  const focused = useRef<number>(undefined);
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el || !timeline.loaded || opening === undefined) return;
    if (focusSeq !== undefined && focused.current !== focusSeq) {
      const index = indexOf(`m-${focusSeq}`);
      if (index < 0) return;
      focused.current = focusSeq;
      positioned.current = true;
      holdAt(`m-${focusSeq}`, -Math.max(TARGET_MARGIN_PX, el.clientHeight / 3));
      setHighlighted(focusSeq);
      setAwaySince(lastSeq);
    } else if (!positioned.current) {
      if (unreadAfter !== undefined && indexOf(`m-${unreadAfter + 1}`) < 0 && older) return;
      positioned.current = true;
      if (indexOf("unread") >= 0) {
        holdAt("unread", -TARGET_MARGIN_PX);
        setAwaySince(lastSeq);
      }
    }
  });

  // After every render: keep the bottom in view while following it, else hold the anchored
  // row where it was (older pages landing above, rows measured at their real height).
  const totalSize = virtualizer.getTotalSize();
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el || !positioned.current) return;
    if (following.current) {
      el.scrollTop = el.scrollHeight;
      return;
    }
    const held = anchor.current;
    const index = held ? indexOf(held.key) : -1;
    const start = index >= 0 ? virtualizer.measurementsCache[index]?.start : undefined;
    const top = (list.current?.offsetTop ?? 0) + (start ?? 0);
    if (held && start !== undefined && Math.abs(el.scrollTop - (top + held.offset)) >= 1) el.scrollTop = top + held.offset;
    // Held where the end is on screen anyway (a short conversation): follow the end from here.
    if (el.scrollHeight - el.scrollTop - el.clientHeight < STICKY_PX) {
      following.current = true;
      setAwaySince(undefined);
    }
  });

  // Sending something: follow the bottom to see it go.
  const pendingBefore = useRef(pending.length);
  useLayoutEffect(() => {
    if (pending.length > pendingBefore.current) {
      following.current = true;
      setAwaySince(undefined);
    }
    pendingBefore.current = pending.length;
  }, [pending.length]);

  // A first page too short to scroll cannot be scrolled up to load more: load it now. So too
  // when the view is at the top already as the page comes (scrolled up through cached
  // messages while it loaded: that scroll could load nothing).
  // biome-ignore lint/correctness/useExhaustiveDependencies: checked again whenever the rows' measured height changes
  useEffect(() => {
    const el = scroller.current;
    if (!el || !older || timeline.loadingOlder || timeline.error) return;
    const atTop = positioned.current && el.scrollTop < LOAD_OLDER_PX;
    if (el.scrollHeight <= el.clientHeight || atTop) void chat.timelines.loadOlder(conversationId);
  }, [chat, conversationId, older, timeline, totalSize]);

  function onScroll() {
    const el = scroller.current;
    if (!el || !positioned.current) return;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < STICKY_PX;
    following.current = atBottom;
    anchor.current = anchorAt(el) ?? anchor.current;
    if (atBottom) setAwaySince(undefined);
    else setAwaySince((since) => since ?? lastSeq);
    if (el.scrollTop < LOAD_OLDER_PX && older) void chat.timelines.loadOlder(conversationId);
  }

  /**
   * The row to hold the view by: the first message whose bottom is on screen, as the page
   * shows it now (not as measured since, which the page may not show yet). Not a day
   * separator: an older page of the same day lands below that separator, which then moves.
   */
  function anchorAt(el: HTMLElement): Anchor | undefined {
    const screenTop = el.getBoundingClientRect().top;
    for (const child of list.current?.children ?? []) {
      const row = rows[Number((child as HTMLElement).dataset.index)];
      const box = child.getBoundingClientRect();
      if (row?.kind === "message" && box.bottom > screenTop) return { key: row.key, offset: screenTop - box.top };
    }
    return undefined;
  }

  function jumpToLatest() {
    const el = scroller.current;
    if (!el) return;
    following.current = true;
    setAwaySince(undefined);
    el.scrollTop = el.scrollHeight;
    el.focus({ preventScroll: true });
  }

  const seenRef = useSeenTracker(scroller, (seq) => chat.markSeen(conversationId, seq), timeline.loaded);
  const measure = virtualizer.measureElement;
  const rowRef = useCallback(
    (element: HTMLElement | null) => {
      measure(element);
      return element?.dataset.seq ? seenRef(element) : undefined;
    },
    [measure, seenRef],
  );

  return (
    <div className="message-view">
      {/* A region that keyboard users can focus to scroll the history. */}
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard */}
      <section className="message-scroller" ref={scroller} onScroll={onScroll} tabIndex={0} aria-label="Message history">
        {timeline.loadingOlder && (
          <p className="history-loading" role="status">
            Loading earlier messages…
          </p>
        )}
        {!timeline.loaded && !timeline.error && timeline.messages.length === 0 && (
          <p className="history-loading">Loading messages…</p>
        )}
        {timeline.error && (
          <p className="error" role="alert">
            Could not load messages: {timeline.error}{" "}
            <button type="button" className="link" onClick={() => void chat.timelines.loadLatest(conversationId)}>
              Try again
            </button>
          </p>
        )}
        <ol ref={list} className="messages" aria-label="Messages" style={{ height: totalSize }}>
          {virtualizer.getVirtualItems().map((item) => {
            const row = rows[item.index];
            const place = { index: item.index, start: item.start, ref: rowRef };
            if (row) {
              const seq = row.kind === "message" ? row.message.seq : undefined;
              return (
                <TimelineRowView
                  key={item.key}
                  row={row}
                  place={place}
                  conversation={conversation}
                  readers={seq === undefined ? undefined : readers?.get(seq)}
                  highlighted={seq !== undefined && seq === highlighted}
                />
              );
            }
            const p = pending[item.index - rows.length];
            return p && <PendingItem key={item.key} pending={p} place={place} />;
          })}
        </ol>
      </section>
      {awaySince !== undefined && <JumpToLatest newCount={newFromOthers(shown, awaySince, me)} onJump={jumpToLatest} />}
    </div>
  );
}

/** The divider goes above the first unread message, when the reader has unread messages. */
function dividerAt(conversation: Conversation | undefined): number | null | undefined {
  if (!conversation) return undefined;
  return conversation.unread_count > 0 ? conversation.read_seq : null;
}

/** A first guess of a row's height, corrected once it is laid out. */
function estimate(row: TimelineRow | undefined): number {
  if (!row || row.kind === "message") return row?.firstOfRun === false ? 44 : 62;
  return row.kind === "day" ? 40 : 36;
}

function allIndexes(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i);
}
