import type { User } from "@chatapp/protocol";
import { useEffect, useId, useRef, useState } from "react";
import { useChat, useChatState } from "../chat/chat-context.js";

/**
 * Finds people in the directory (GET /api/users) by name; picking one calls `onPick`, clears
 * the field and puts focus back in it, ready for the next name.
 */
export function UserPicker({
  label,
  exclude = [],
  onPick,
}: {
  label: string;
  exclude?: readonly number[];
  onPick: (u: User) => void;
}) {
  const chat = useChat();
  const me = useChatState((s) => s.me.id);
  const [query, setQuery] = useState("");
  const [found, setFound] = useState<User[]>([]);
  const [status, setStatus] = useState("");
  const inputId = useId();
  const inputRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    const text = query.trim();
    if (text === "") {
      setFound([]);
      setStatus("");
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      chat.api.searchUsers(text).then(
        (users) => {
          if (!current) return;
          chat.names.remember(users);
          setFound(users);
          setStatus(users.length === 0 ? "Nobody found." : "");
        },
        (err: unknown) => current && setStatus(err instanceof Error ? err.message : String(err)),
      );
    }, 200);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [chat, query]);

  const shown = found.filter((u) => u.id !== me && !exclude.includes(u.id));
  return (
    <div className="user-picker">
      <label htmlFor={inputId}>{label}</label>
      <input
        id={inputId}
        ref={inputRef}
        type="search"
        placeholder="Name or username"
        autoComplete="off"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
      />
      <p className="hint" role="status">
        {status}
      </p>
      {shown.length > 0 && (
        <ul className="user-results" aria-label="People found">
          {shown.map((user) => (
            <li key={user.id}>
              <button
                type="button"
                className="user-result"
                onClick={() => {
                  onPick(user);
                  setQuery("");
                  inputRef.current?.focus();
                }}
              >
                <span>{user.display_name ?? user.username}</span>
                {user.username && <span className="username">@{user.username}</span>}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
