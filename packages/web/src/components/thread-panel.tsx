import type { Conversation, Message, ThreadMessagesResponse } from "@chatapp/protocol";
import { useEffect, useMemo, useRef, useState } from "react";
import { useChat, useChatState } from "../chat/chat-context.js";
import { mergeMessages } from "../chat/chat-state.js";
import { ReplyContext, useReplyActions } from "../chat/reply-context.js";
import { Composer } from "./composer.js";
import { ThreadMessage } from "./thread-message.js";
import { useDraftUploads } from "./use-draft-uploads.js";
import "./threads.css";

const NO_MESSAGES: readonly Message[] = [];
/** Replies per page: the latest first, earlier ones on request. */
const PAGE = 100;

/**
 * A thread beside the chat (the whole screen at phone width): the root, its replies in order,
 * and a composer that posts into it. Replies that arrive live come through the conversation's
 * timeline; earlier ones are read from the thread listing. Loaded on first use (not in the
 * first screen's JavaScript).
 *
 * A reply here may quote a message of the thread: the quote shows above this panel's composer
 * (its own, not the main one's). With `focusSeq` (a quote, pin or search result that led to a
 * reply of this thread) earlier replies are loaded until that one is there, then it is
 * scrolled to and highlighted.
 */
export default function ThreadPanel(props: {
  conversation: Conversation;
  rootId: number;
  focusSeq: number | undefined;
  onClose: () => void;
}) {
  const { conversation, rootId, focusSeq, onClose } = props;
  const outer = useReplyActions();
  const chat = useChat();
  const live = useChatState((s) => s.timelines.get(conversation.id)?.messages ?? NO_MESSAGES);
  const allPending = useChatState((s) => s.pending);
  const [page, setPage] = useState<ThreadMessagesResponse>();
  const [error, setError] = useState<string>();
  const heading = useRef<HTMLHeadingElement>(null);
  const drafts = useDraftUploads();
  const [replyTo, setReplyTo] = useState<Message>();
  const openThread = outer?.openThread;
  const replyActions = useMemo(
    () => ({ replyTo, setReplyTo, openThread: openThread ?? (() => undefined) }),
    [replyTo, openThread],
  );
  const focused = useRef<HTMLElement>(null);
  const [highlighted, setHighlighted] = useState<number>();
  const loadingEarlier = useRef(false);

  useEffect(() => {
    let current = true;
    setPage(undefined);
    setError(undefined);
    setReplyTo(undefined);
    chat.thread(conversation.id, rootId, { limit: PAGE }).then(
      (loaded) => current && setPage(loaded),
      (err: unknown) => current && setError(err instanceof Error ? err.message : String(err)),
    );
    heading.current?.focus();
    return () => {
      current = false;
    };
  }, [chat, conversation.id, rootId]);

  async function loadEarlier() {
    const first = page?.messages[0];
    if (!page || !first || loadingEarlier.current) return;
    loadingEarlier.current = true;
    try {
      const earlier = await chat.thread(conversation.id, rootId, { before: first.seq, limit: PAGE });
      setPage({ ...page, messages: mergeMessages(page.messages, earlier.messages), has_more: earlier.has_more });
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      loadingEarlier.current = false;
    }
  }

  const root = live.find((m) => m.id === rootId) ?? page?.root;
  const replies = useMemo(
    () =>
      mergeMessages(
        page?.messages ?? NO_MESSAGES,
        live.filter((m) => m.thread_root_id === rootId),
      ),
    [page, live, rootId],
  );
  const pending = allPending.filter((p) => p.conversationId === conversation.id && p.threadRootId === rootId);
  const count = replies.filter((m) => !m.deleted).length;

  // Led here to a reply: earlier pages until it is loaded, then it is shown and highlighted.
  const focusLoaded = focusSeq !== undefined && replies.some((m) => m.seq === focusSeq);
  const firstSeq = page?.messages[0]?.seq;
  // biome-ignore lint/correctness/useExhaustiveDependencies: loadEarlier reads the page it is given, and runs again when the page changes.
  useEffect(() => {
    if (focusSeq === undefined || !page) return;
    if (focusLoaded) {
      setHighlighted(focusSeq);
      focused.current?.scrollIntoView({ block: "center" });
    } else if (page.has_more && firstSeq !== undefined && firstSeq > focusSeq && !error) {
      void loadEarlier();
    }
  }, [focusSeq, focusLoaded, page, firstSeq, error]);

  // Quotes chosen in the panel go above its own composer, not the conversation's.
  return (
    <ReplyContext.Provider value={replyActions}>
      <aside className="thread-panel" aria-label="Thread">
        <header className="members-header">
          <h3 ref={heading} tabIndex={-1}>
            Thread
          </h3>
          <button type="button" className="quiet icon" onClick={onClose} aria-label="Close thread">
            ×
          </button>
        </header>
        {error && (
          <p className="error" role="alert">
            Could not load the thread: {error}
          </p>
        )}
        <div className="thread-scroller">
          {root && (
            <div className="thread-root">
              <ThreadMessage message={root} />
            </div>
          )}
          <p className="thread-count">{count === 1 ? "1 reply" : `${count} replies`}</p>
          {page?.has_more && (
            <button type="button" className="link" onClick={() => void loadEarlier()}>
              Earlier replies
            </button>
          )}
          <ol className="thread-replies" aria-label="Thread replies">
            {replies.map((m) => (
              <li key={m.id}>
                <ThreadMessage message={m} highlighted={m.seq === highlighted} ref={m.seq === focusSeq ? focused : undefined} />
              </li>
            ))}
            {pending.map((p) => (
              <li key={p.clientId} data-pending={p.error ? "failed" : "sending"}>
                <p className="text">{p.content}</p>
                {p.error && <p className="error">{p.error}</p>}
              </li>
            ))}
          </ol>
        </div>
        <Composer conversationId={conversation.id} drafts={drafts} threadRootId={rootId} />
      </aside>
    </ReplyContext.Provider>
  );
}
