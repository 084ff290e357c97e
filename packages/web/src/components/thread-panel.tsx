import type { Conversation, Message, ThreadMessagesResponse } from "@chatapp/protocol";
import { useEffect, useMemo, useRef, useState } from "react";
import { useChat, useChatState } from "../chat/chat-context.js";
import { displayName, mergeMessages } from "../chat/chat-state.js";
import { ReplyContext } from "../chat/reply-context.js";
import { Composer } from "./composer.js";
import { LinkifiedText } from "./linkified-text.js";
import { MessageTime } from "./message-time.js";
import { QuoteBlock } from "./reply-quote.js";
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
 */
export default function ThreadPanel(props: { conversation: Conversation; rootId: number; onClose: () => void }) {
  const { conversation, rootId, onClose } = props;
  const chat = useChat();
  const live = useChatState((s) => s.timelines.get(conversation.id)?.messages ?? NO_MESSAGES);
  const allPending = useChatState((s) => s.pending);
  const [page, setPage] = useState<ThreadMessagesResponse>();
  const [error, setError] = useState<string>();
  const heading = useRef<HTMLHeadingElement>(null);
  const drafts = useDraftUploads();

  useEffect(() => {
    let current = true;
    setPage(undefined);
    setError(undefined);
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
    if (!page || !first) return;
    const earlier = await chat.thread(conversation.id, rootId, { before: first.seq, limit: PAGE });
    setPage({ ...page, messages: mergeMessages(page.messages, earlier.messages), has_more: earlier.has_more });
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

  return (
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
              <ThreadMessage message={m} />
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
      {/* Quoting is the main composer's: here a reply simply goes into the thread. */}
      <ReplyContext.Provider value={null}>
        <Composer conversationId={conversation.id} drafts={drafts} threadRootId={rootId} />
      </ReplyContext.Provider>
    </aside>
  );
}

function ThreadMessage({ message }: { message: Message }) {
  const me = useChatState((s) => s.me.id);
  const users = useChatState((s) => s.users);
  const name = message.sender_id === me ? "You" : displayName(users, message.sender_id);
  return (
    <article className="thread-message" aria-label={`${name}: ${message.deleted ? "Message deleted" : message.content}`}>
      <span className="sender">{name}</span> <MessageTime iso={message.timestamp} />
      {message.reply_to && !message.deleted && <QuoteBlock quote={message.reply_to} conversationId={message.conversation_id} />}
      {message.deleted ? (
        <p className="text deleted">Message deleted</p>
      ) : (
        <p className="text">
          <LinkifiedText text={message.content} />
        </p>
      )}
    </article>
  );
}
