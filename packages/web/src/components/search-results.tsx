import type { Message } from "@chatapp/protocol";
import { Fragment, useEffect, useMemo, useState } from "react";
import { useChat, useChatState } from "../chat/chat-context.js";
import { conversationTitle, displayName } from "../chat/chat-state.js";
import { whenLabel } from "../lib/dates.js";
import { routeHash } from "../lib/hash-route.js";

type Search = { status: "searching" } | { status: "done"; messages: Message[] } | { status: "failed"; error: string };

/** Messages matching the query across the user's conversations; each result opens at that message. */
export function SearchResults({ query }: { query: string }) {
  const chat = useChat();
  const me = useChatState((s) => s.me.id);
  const users = useChatState((s) => s.users);
  const conversations = useChatState((s) => s.conversations);
  const [search, setSearch] = useState<Search>({ status: "searching" });

  useEffect(() => {
    let current = true;
    setSearch({ status: "searching" });
    // Searches once typing pauses, not on every key.
    const timer = setTimeout(() => {
      chat.api.searchMessages(query).then(
        (res) => {
          if (!current) return;
          chat.names.want(res.messages.map((m) => m.sender_id));
          setSearch({ status: "done", messages: res.messages });
        },
        (err: unknown) => current && setSearch({ status: "failed", error: err instanceof Error ? err.message : String(err) }),
      );
    }, 250);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [chat, query]);

  const summary =
    search.status === "searching"
      ? "Searching…"
      : search.status === "failed"
        ? `Search failed: ${search.error}`
        : search.messages.length === 0
          ? `No messages match “${query}”.`
          : `${search.messages.length} ${search.messages.length === 1 ? "message" : "messages"} found`;

  return (
    <section className="search-results" aria-label="Search results">
      <p className="hint list-hint" role="status">
        {summary}
      </p>
      {search.status === "done" && (
        <ul className="conversation-list">
          {search.messages.map((m) => {
            const conversation = conversations.get(m.conversation_id);
            return (
              <li key={m.id}>
                <a className="search-result" href={routeHash({ conversationId: m.conversation_id, focusSeq: m.seq })}>
                  <span className="conversation-title">
                    {conversation ? conversationTitle(conversation, me, users) : "Conversation"}
                  </span>
                  <time dateTime={m.timestamp}>{whenLabel(m.timestamp)}</time>
                  <span className="search-snippet">
                    <span className="sender">{m.sender_id === me ? "You" : displayName(users, m.sender_id)}: </span>
                    <Highlighted text={m.content} query={query} />
                  </span>
                </a>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

/** Marks the words of the query in the text (as text nodes and <mark>, never HTML). */
function Highlighted({ text, query }: { text: string; query: string }) {
  const parts = useMemo(() => {
    const words = query.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
    if (words.length === 0) return [text];
    const escaped = words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    return text.split(new RegExp(`(${escaped.join("|")})`, "giu"));
  }, [text, query]);
  let offset = 0;
  return (
    <>
      {parts.map((part, i) => {
        // split() with one capture group alternates: text, match, text, …
        const matched = i % 2 === 1;
        const key = `${offset}${matched ? "m" : "t"}`;
        offset += part.length;
        return matched ? <mark key={key}>{part}</mark> : <Fragment key={key}>{part}</Fragment>;
      })}
    </>
  );
}
