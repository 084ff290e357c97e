import { lazy, Suspense, useId, useState } from "react";
import { useChat, useChatState } from "../chat/chat-context.js";
import { displayName } from "../chat/chat-state.js";
import { senderHue } from "../lib/sender-hue.js";
import { Avatar } from "./avatar.js";
import { ConversationList } from "./conversation-list.js";
import "./people.css";
import { QuickSwitcher } from "./quick-switcher.js";
import { SettingsButton } from "./settings-button.js";

/** Message search's results: loaded with the first search, not with the first screen. */
const SearchResults = lazy(() => import("./search-results.js").then((m) => ({ default: m.SearchResults })));

/** Who is logged in, new chat and group, message search, the conversations, and the Ctrl+K switcher. */
export function Sidebar(props: { openId: number | undefined; onNewChat: () => void; onNewGroup: () => void }) {
  const chat = useChat();
  const me = useChatState((s) => s.me);
  const users = useChatState((s) => s.users);
  const [query, setQuery] = useState("");
  const searchId = useId();
  const myName = displayName(users, me.id);

  return (
    <aside className="sidebar" aria-label="Conversations">
      <header className="sidebar-header">
        <Avatar name={myName} size="small" hue={senderHue(me.id)} />
        <span className="me" title={me.username ? `@${me.username}` : undefined}>
          {myName}
        </span>
        <SettingsButton />
        <button type="button" className="quiet" onClick={() => chat.logout()}>
          Log out
        </button>
      </header>
      <div className="sidebar-actions">
        <button type="button" onClick={props.onNewChat}>
          New chat
        </button>
        <button type="button" onClick={props.onNewGroup}>
          New group
        </button>
      </div>
      <search className="sidebar-search">
        <label htmlFor={searchId} className="visually-hidden">
          Search messages
        </label>
        <input
          id={searchId}
          type="search"
          placeholder="Search messages"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Escape") setQuery("");
          }}
        />
      </search>
      {query.trim() === "" ? (
        <ConversationList openId={props.openId} />
      ) : (
        <Suspense fallback={null}>
          <SearchResults query={query.trim()} />
        </Suspense>
      )}
      <QuickSwitcher />
    </aside>
  );
}
