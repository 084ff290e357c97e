import type { Conversation, Message } from "@chatapp/protocol";
import { type ReactNode, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { useChat, useChatState } from "../chat/chat-context.js";
import { EMPTY_TIMELINE, hasOlder, type PendingMessage } from "../chat/chat-state.js";
import { dayKey, dayLabel } from "../lib/dates.js";
import { readersBySeq } from "../lib/delivery.js";
import { MessageItem, messageDomId } from "./message-item.js";
import { PendingItem } from "./pending-item.js";

/** Closer than this to the bottom counts as "at the bottom": new messages keep it there. */
const STICKY_PX = 64;
/** Closer than this to the top loads the page before. */
const LOAD_OLDER_PX = 300;
const NO_PENDING: readonly PendingMessage[] = [];

/**
 * The messages of one conversation, oldest at the top, with day separators. It stays at the
 * bottom as messages arrive (unless the user scrolled up to read), loads older pages as the
 * user nears the top, and keeps what is on screen in place when they land above.
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
    () => (allPending.length === 0 ? NO_PENDING : allPending.filter((p) => p.conversationId === conversationId)),
    [allPending, conversationId],
  );
  const scroller = useRef<HTMLElement>(null);
  const atBottom = useRef(true);
  const heightBefore = useRef(0);
  const firstSeq = timeline.messages[0]?.seq;
  const firstSeqBefore = useRef(firstSeq);
  const [highlighted, setHighlighted] = useState<number>();
  const older = hasOlder(timeline);

  // After every render: older messages landed above → shift by the height they added, so the
  // messages being read stay put; otherwise follow the bottom if the user was there, or has
  // just sent something (they want to see it go).
  const pendingBefore = useRef(pending.length);
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    if (pending.length > pendingBefore.current) atBottom.current = true;
    pendingBefore.current = pending.length;
    const grewAbove = firstSeq !== undefined && firstSeqBefore.current !== undefined && firstSeq < firstSeqBefore.current;
    if (grewAbove) el.scrollTop += el.scrollHeight - heightBefore.current;
    else if (atBottom.current) el.scrollTop = el.scrollHeight;
    firstSeqBefore.current = firstSeq;
    heightBefore.current = el.scrollHeight;
  });

  // A first page too short to scroll cannot be scrolled up to load more: load it now.
  useEffect(() => {
    const el = scroller.current;
    if (el && older && !timeline.loadingOlder && !timeline.error && el.scrollHeight <= el.clientHeight) {
      void chat.timelines.loadOlder(conversationId);
    }
  }, [chat, conversationId, older, timeline]);

  // Opened from a search result: load back to that message, then bring it into view once.
  const focusedSeq = useRef<number>(undefined);
  useEffect(() => {
    if (focusSeq === undefined || focusedSeq.current === focusSeq || !timeline.loaded) return;
    if (firstSeq !== undefined && firstSeq > focusSeq && older) {
      void chat.timelines.loadUntil(conversationId, focusSeq);
      return;
    }
    const node = document.getElementById(messageDomId(conversationId, focusSeq));
    if (!node) return;
    focusedSeq.current = focusSeq;
    atBottom.current = false;
    node.scrollIntoView({ block: "center" });
    setHighlighted(focusSeq);
  }, [chat, conversationId, focusSeq, firstSeq, older, timeline]);

  function onScroll() {
    const el = scroller.current;
    if (!el) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < STICKY_PX;
    if (el.scrollTop < LOAD_OLDER_PX && older) void chat.timelines.loadOlder(conversationId);
  }

  const rows = useMemo(() => {
    const readers = conversation?.kind === "group" ? readersBySeq(conversation.members, me, timeline.messages) : undefined;
    return messageRows(timeline.messages, conversation, readers, highlighted);
  }, [timeline.messages, conversation, me, highlighted]);

  return (
    // A region that keyboard users can focus to scroll the history.
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
    <section className="message-scroller" ref={scroller} onScroll={onScroll} tabIndex={0} aria-label="Message history">
      {timeline.loaded && !older && <p className="history-start">This is the start of the conversation.</p>}
      {timeline.loadingOlder && (
        <p className="history-loading" role="status">
          Loading earlier messages…
        </p>
      )}
      {!timeline.loaded && !timeline.error && <p className="history-loading">Loading messages…</p>}
      {timeline.error && (
        <p className="error" role="alert">
          Could not load messages: {timeline.error}{" "}
          <button type="button" className="link" onClick={() => void chat.timelines.loadLatest(conversationId)}>
            Try again
          </button>
        </p>
      )}
      <ol className="messages" aria-label="Messages">
        {rows}
        {pending.map((p) => (
          <PendingItem key={p.clientId} pending={p} />
        ))}
      </ol>
    </section>
  );
}

/** Messages with a day separator wherever the day changes, and "seen by" under group read positions. */
function messageRows(
  messages: readonly Message[],
  conversation: Conversation | undefined,
  readers: Map<number, number[]> | undefined,
  highlighted: number | undefined,
): ReactNode[] {
  const rows: ReactNode[] = [];
  let day = "";
  let previous: Message | undefined;
  for (const message of messages) {
    const key = dayKey(message.timestamp);
    if (key !== day) {
      day = key;
      previous = undefined;
      rows.push(
        <li key={`day-${key}`} className="day-separator">
          <span>{dayLabel(message.timestamp)}</span>
        </li>,
      );
    }
    rows.push(
      <MessageItem
        key={message.seq}
        message={message}
        conversation={conversation}
        // The sender's name heads a run of their messages in a group.
        firstOfRun={previous === undefined || previous.sender_id !== message.sender_id || previous.kind === "system"}
        readers={readers?.get(message.seq)}
        highlighted={message.seq === highlighted}
      />,
    );
    previous = message;
  }
  return rows;
}
