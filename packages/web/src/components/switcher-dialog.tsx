import type { Conversation, User } from "@chatapp/protocol";
import { type KeyboardEvent, useEffect, useId, useMemo, useState } from "react";
import { useChat, useChatState } from "../chat/chat-context.js";
import { byActivity, conversationTitle, otherMemberId } from "../chat/chat-state.js";
import { navigate } from "../lib/hash-route.js";
import { Modal } from "./modal.js";
import { usePeopleSearch } from "./use-people-search.js";

/** How many conversations the switcher lists, best first. */
const SHOWN = 8;

type Choice = { kind: "conversation"; conversation: Conversation; title: string } | { kind: "person"; user: User };

/** The Ctrl+K box (quick-switcher.tsx): conversations by title and people by name. */
export default function SwitcherDialog({ onClose }: { onClose: () => void }) {
  const chat = useChat();
  const me = useChatState((s) => s.me.id);
  const users = useChatState((s) => s.users);
  const conversations = useChatState((s) => s.conversations);
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const [error, setError] = useState<string>();
  const { found } = usePeopleSearch(query);
  const ids = useId();

  const choices = useMemo((): Choice[] => {
    const text = query.trim().toLowerCase();
    const matching = byActivity(conversations.values())
      .map((conversation) => ({ kind: "conversation" as const, conversation, title: conversationTitle(conversation, me, users) }))
      .filter((c) => text === "" || c.title.toLowerCase().includes(text))
      .slice(0, SHOWN);
    // People one already has a direct conversation with are listed once, as that conversation.
    const partners = new Set(
      matching.map((c) => (c.conversation.kind === "direct" ? otherMemberId(c.conversation, me) : undefined)),
    );
    const people = found.filter((u) => u.id !== me && !partners.has(u.id)).map((user) => ({ kind: "person" as const, user }));
    return [...matching, ...people];
  }, [conversations, found, me, query, users]);

  useEffect(() => setActive((i) => Math.min(i, Math.max(choices.length - 1, 0))), [choices.length]);

  async function choose(choice: Choice | undefined) {
    if (!choice) return;
    try {
      const conversationId = choice.kind === "conversation" ? choice.conversation.id : await chat.startDirect(choice.user.id);
      onClose();
      navigate({ conversationId });
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }

  function onKeyDown(e: KeyboardEvent<HTMLInputElement>) {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const step = e.key === "ArrowDown" ? 1 : -1;
      setActive((i) => (choices.length === 0 ? 0 : (i + step + choices.length) % choices.length));
    } else if (e.key === "Escape") {
      // Closes at once (a search field's own Escape would only empty it first).
      e.preventDefault();
      onClose();
    } else if (e.key === "Enter") {
      e.preventDefault();
      void choose(choices[active]);
    }
  }

  const optionId = (i: number) => `${ids}-option-${i}`;
  return (
    <Modal title="Go to a conversation or person" onClose={onClose}>
      <label htmlFor={`${ids}-input`} className="visually-hidden">
        Search people and conversations
      </label>
      <input
        id={`${ids}-input`}
        type="search"
        role="combobox"
        aria-expanded={choices.length > 0}
        aria-controls={`${ids}-list`}
        aria-activedescendant={choices.length > 0 ? optionId(active) : undefined}
        aria-autocomplete="list"
        autoComplete="off"
        placeholder="Name or conversation"
        value={query}
        onChange={(e) => {
          setQuery(e.target.value);
          setActive(0);
        }}
        onKeyDown={onKeyDown}
      />
      <div id={`${ids}-list`} role="listbox" aria-label="Conversations and people" className="switcher-list">
        {choices.map((choice, i) => (
          // biome-ignore lint/a11y/useKeyWithClickEvents: the combobox's input handles the keys (aria-activedescendant)
          <div
            key={choice.kind === "conversation" ? `c${choice.conversation.id}` : `u${choice.user.id}`}
            id={optionId(i)}
            role="option"
            aria-selected={i === active}
            tabIndex={-1}
            className="switcher-option"
            onClick={() => void choose(choice)}
            onMouseMove={() => setActive(i)}
          >
            {choice.kind === "conversation" ? (
              <>
                <span>{choice.title}</span>
                <span className="hint">{choice.conversation.kind === "group" ? "group" : "chat"}</span>
              </>
            ) : (
              <>
                <span>{choice.user.display_name ?? choice.user.username}</span>
                <span className="hint">{choice.user.username ? `@${choice.user.username} · new chat` : "new chat"}</span>
              </>
            )}
          </div>
        ))}
      </div>
      {query.trim() !== "" && choices.length === 0 && <p className="hint">Nothing found.</p>}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </Modal>
  );
}
