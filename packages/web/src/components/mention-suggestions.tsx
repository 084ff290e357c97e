import { mentionedNames, type User } from "@chatapp/protocol";
import { type KeyboardEvent, type RefObject, useId, useRef, useState } from "react";
import { useChatState } from "../chat/chat-context.js";
import { type MentionQuery, mentionQueryAt } from "../lib/mention-query.js";

/** Most members suggested at once. */
const SHOWN = 6;

/** Members whose username or display name starts with `query` (ignoring case), the user left out. */
function matching(members: readonly User[], query: string): User[] {
  const q = query.toLowerCase();
  return members
    .filter(
      (u) =>
        u.username?.startsWith(q) ||
        (u.display_name ?? "")
          .toLowerCase()
          .split(/\s+/)
          .some((word) => word.startsWith(q)),
    )
    .slice(0, SHOWN);
}

/**
 * The composer's `@` autocomplete: while an `@name` is being typed, the conversation's members
 * that match are offered; Up/Down move, Enter or Tab (or a click) inserts `@username ` and
 * remembers the member, whose id goes with the send as long as the text still names them.
 * Escape closes the list for this `@`.
 */
export function useMentionSuggestions(
  conversationId: number,
  text: string,
  setText: (text: string) => void,
  caret: RefObject<number | undefined>,
) {
  const me = useChatState((s) => s.me.id);
  const users = useChatState((s) => s.users);
  const memberIds = useChatState((s) => s.conversations.get(conversationId)?.members);
  const [caretAt, setCaretAt] = useState(0);
  const [active, setActive] = useState(0);
  const [dismissedAt, setDismissedAt] = useState<number>();
  /** Picked members by username: the ids the send carries. */
  const picked = useRef(new Map<string, number>());
  const listId = useId();

  const members = (memberIds ?? []).flatMap((m) => {
    const user = m.user_id === me ? undefined : users.get(m.user_id);
    return user?.username ? [user] : [];
  });
  const query: MentionQuery | undefined = mentionQueryAt(text, caretAt);
  const candidates = query && query.start !== dismissedAt ? matching(members, query.query) : [];
  const open = candidates.length > 0;
  const current = Math.min(active, Math.max(0, candidates.length - 1));

  function pick(user: User) {
    if (!query || !user.username) return;
    const insert = `@${user.username} `;
    picked.current.set(user.username, user.id);
    caret.current = query.start + insert.length;
    setCaretAt(query.start + insert.length);
    setActive(0);
    setText(text.slice(0, query.start) + insert + text.slice(query.end));
  }

  return {
    open,
    candidates,
    active: current,
    listId,
    optionId: (i: number) => `${listId}-${i}`,
    pick,
    /** The caret moved (typing, clicks, arrows): the suggestions follow it. */
    track(el: HTMLTextAreaElement) {
      setCaretAt(el.selectionStart);
      if (dismissedAt !== undefined && mentionQueryAt(el.value, el.selectionStart)?.start !== dismissedAt) {
        setDismissedAt(undefined);
      }
    },
    /** Handles the keys the open list uses; true when the key was taken. */
    onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>): boolean {
      if (!open || event.nativeEvent.isComposing) return false;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        const step = event.key === "ArrowDown" ? 1 : candidates.length - 1;
        setActive((current + step) % candidates.length);
      } else if (event.key === "Enter" || event.key === "Tab") {
        pick(candidates[current] as User);
      } else if (event.key === "Escape") {
        setDismissedAt(query?.start);
      } else {
        return false;
      }
      event.preventDefault();
      return true;
    },
    /** The picked members the text still names: the send's `mentions`. */
    mentionsFor(content: string): number[] {
      const names = new Set(mentionedNames(content));
      return [...picked.current].filter(([name]) => names.has(name)).map(([, id]) => id);
    },
    reset() {
      picked.current.clear();
    },
  };
}

export type MentionSuggestions = ReturnType<typeof useMentionSuggestions>;

/** The list of suggested members, above the composer's input. */
export function MentionSuggestionList({ suggestions }: { suggestions: MentionSuggestions }) {
  if (!suggestions.open) return null;
  return (
    <div id={suggestions.listId} className="mention-suggestions" role="listbox" aria-label="Mention someone">
      {suggestions.candidates.map((user, i) => (
        <div
          key={user.id}
          id={suggestions.optionId(i)}
          role="option"
          // The input keeps the focus (aria-activedescendant points here); a click still picks.
          tabIndex={-1}
          aria-selected={i === suggestions.active}
          // Before the input's blur: the click must not take the caret away first.
          onMouseDown={(e) => {
            e.preventDefault();
            suggestions.pick(user);
          }}
        >
          <span className="mention-name">{user.display_name ?? user.username}</span>{" "}
          <span className="mention-username">@{user.username}</span>
        </div>
      ))}
    </div>
  );
}
