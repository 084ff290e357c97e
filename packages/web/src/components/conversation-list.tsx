import type { Conversation } from "@chatapp/protocol";
import { useMemo, useRef } from "react";
import { useChatState } from "../chat/chat-context.js";
import { byActivity, conversationTitle, displayName, otherMemberId } from "../chat/chat-state.js";
import { usePresence } from "../chat/presence.js";
import { whenLabel } from "../lib/dates.js";
import { routeHash } from "../lib/hash-route.js";
import { previewText } from "../lib/message-text.js";
import { senderHue } from "../lib/sender-hue.js";
import { Avatar } from "./avatar.js";
import { BellOffIcon } from "./file-icons.js";
import { ListMore } from "./list-more.js";
import { useMuted } from "./use-muted.js";

/**
 * The user's conversations, most recently active first, with unread badges and presence; older
 * pages load as the list is scrolled to its end.
 */
export function ConversationList({ openId }: { openId: number | undefined }) {
  const conversations = useChatState((s) => s.conversations);
  const loaded = useChatState((s) => s.conversationsLoaded);
  const sorted = useMemo(() => byActivity(conversations.values()), [conversations]);
  const navRef = useRef<HTMLElement>(null);

  if (sorted.length === 0) {
    return (
      <p className="hint list-hint">{loaded ? "No conversations yet. Start one with “New chat”." : "Loading conversations…"}</p>
    );
  }
  return (
    <nav aria-label="Conversation list" className="conversation-nav" ref={navRef}>
      <ul className="conversation-list">
        {sorted.map((c) => (
          <ConversationItem key={c.id} conversation={c} open={c.id === openId} />
        ))}
        <ListMore scroller={navRef} />
      </ul>
    </nav>
  );
}

function ConversationItem({ conversation, open }: { conversation: Conversation; open: boolean }) {
  const me = useChatState((s) => s.me.id);
  const users = useChatState((s) => s.users);
  const presence = usePresence(conversation.kind === "group" ? undefined : otherMemberId(conversation, me)).shown;
  const typing = useChatState((s) => s.typing.get(conversation.id));
  const group = conversation.kind === "group";
  const title = conversationTitle(conversation, me, users);
  const other = group ? undefined : otherMemberId(conversation, me);
  const nameOf = (id: number) => displayName(users, id);
  const preview = typing && typing.length > 0 ? "typing…" : previewText(conversation.last_message, me, nameOf, group);
  const unread = open ? 0 : conversation.unread_count;
  const mentioned = !open && conversation.mention_count > 0;
  const muted = useMuted(conversation);

  return (
    <li>
      <a
        className="conversation-item"
        href={routeHash({ conversationId: conversation.id })}
        aria-current={open ? "page" : undefined}
        data-unread={unread > 0 || undefined}
        data-muted={muted || undefined}
      >
        <Avatar
          name={title}
          presence={other === undefined ? undefined : presence}
          hue={other === undefined ? undefined : senderHue(other)}
        />
        <span className="conversation-text">
          <span className="conversation-title">{title}</span>
          <span className="conversation-preview">{preview}</span>
        </span>
        <span className="conversation-meta">
          <time dateTime={conversation.last_activity}>{whenLabel(conversation.last_activity)}</time>
          {muted && (
            <span className="muted-icon" title="Muted">
              <BellOffIcon />
              <span className="visually-hidden"> muted</span>
            </span>
          )}
          {mentioned && (
            <span className="badge mention-badge" title="You were mentioned">
              @<span className="visually-hidden"> you were mentioned</span>
            </span>
          )}
          {unread > 0 && (
            <span className="badge">
              {unread}
              <span className="visually-hidden"> unread</span>
            </span>
          )}
        </span>
      </a>
    </li>
  );
}
