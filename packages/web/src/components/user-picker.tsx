import type { User } from "@chatapp/protocol";
import { useId, useRef, useState } from "react";
import { useChatState } from "../chat/chat-context.js";
import { usePeopleSearch } from "./use-people-search.js";

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
  const me = useChatState((s) => s.me.id);
  const [query, setQuery] = useState("");
  const { found, status } = usePeopleSearch(query);
  const inputId = useId();
  const inputRef = useRef<HTMLInputElement>(null);

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
