import type { Message } from "@chatapp/protocol";
import { lazy, type ReactNode, Suspense, useEffect, useId, useMemo, useState } from "react";
import { useChatState } from "../chat/chat-context.js";
import { conversationTitle, displayName, otherMemberId } from "../chat/chat-state.js";
import { usePresence } from "../chat/presence.js";
import { ReplyContext } from "../chat/reply-context.js";
import { senderHue } from "../lib/sender-hue.js";
import { Avatar } from "./avatar.js";
import { Composer } from "./composer.js";
import { ConversationMenu } from "./conversation-menu.js";
import { MessageList } from "./message-list.js";
import { NotAMember } from "./not-a-member.js";
import { PinsButton } from "./pins-button.js";
import { PresenceText } from "./presence-text.js";
import { TypingIndicator } from "./typing-indicator.js";
import { useBlocked } from "./use-blocked.js";
import { useDraftUploads } from "./use-draft-uploads.js";
import { useFileDrop } from "./use-file-drop.js";

// Threads are opened now and then: their panel is not in the first screen's JavaScript.
const ThreadPanel = lazy(() => import("./thread-panel.js"));
/** Opened by its header button: loaded then, not with the first screen. */
const MembersPanel = lazy(() => import("./members-panel.js").then((m) => ({ default: m.MembersPanel })));

/** The thread shown beside the chat, and the reply in it to scroll to and highlight. */
interface OpenThread {
  rootId: number;
  focusSeq: number | undefined;
}

/** One open conversation: its header, messages, who is typing, and the composer; files dropped anywhere on it attach. */
export function ConversationPane({ conversationId, focusSeq }: { conversationId: number; focusSeq: number | undefined }) {
  const conversation = useChatState((s) => s.conversations.get(conversationId));
  const loaded = useChatState((s) => s.conversationsLoaded);
  const me = useChatState((s) => s.me.id);
  const users = useChatState((s) => s.users);
  const presence = useChatState((s) => s.presence);
  const connected = useChatState((s) => s.connection === "open");
  const [showMembers, setShowMembers] = useState(false);
  const [replyTo, setReplyTo] = useState<Message>();
  const [thread, setThread] = useState<OpenThread>();
  const replyActions = useMemo(
    () => ({ replyTo, setReplyTo, openThread: (rootId: number) => setThread({ rootId, focusSeq: undefined }) }),
    [replyTo],
  );
  // A message to show (a quote's original, a pin, a search result) that is a thread reply is
  // shown in its thread: the panel opens on it. The main list loads history back to it first.
  const focusRoot = useChatState((s) =>
    focusSeq === undefined
      ? undefined
      : s.timelines.get(conversationId)?.messages.find((m) => m.seq === focusSeq)?.thread_root_id,
  );
  useEffect(() => {
    if (focusRoot !== undefined && focusSeq !== undefined) setThread({ rootId: focusRoot, focusSeq });
  }, [focusRoot, focusSeq]);
  const titleId = useId();
  const panelId = useId();
  const other = conversation?.kind === "direct" ? otherMemberId(conversation, me) : undefined;
  const otherPresence = usePresence(other).shown;
  const blockedOther = useBlocked(other);
  const drafts = useDraftUploads();
  const drop = useFileDrop(drafts.add);

  if (!conversation && loaded) return <NotAMember conversationId={conversationId} />;

  const group = conversation?.kind === "group";
  const title = conversation ? conversationTitle(conversation, me, users) : "…";
  let subtitle: ReactNode = "";
  if (conversation && group) {
    // Who is online is not known while our own connection is down: only the count is shown.
    const present = conversation.members.filter((m) => m.user_id === me || presence.get(m.user_id) === "online").length;
    subtitle = connected ? `${conversation.member_count} members, ${present} online` : `${conversation.member_count} members`;
  } else if (other !== undefined) {
    subtitle = <PresenceText userId={other} />;
  }

  return (
    <ReplyContext.Provider value={replyActions}>
      <section className="conversation" aria-labelledby={titleId} data-dragging={drop.dragging || undefined} {...drop.handlers}>
        <header className="pane-header">
          <a className="back" href="#/" aria-label="Back to conversations">
            ‹
          </a>
          <Avatar
            name={title}
            presence={other === undefined ? undefined : otherPresence}
            hue={other === undefined ? undefined : senderHue(other)}
          />
          <div className="pane-title">
            <h2 id={titleId}>{title}</h2>
            <p className="subtitle">{subtitle}</p>
          </div>
          <PinsButton conversationId={conversationId} />
          {conversation && (
            <ConversationMenu
              conversation={conversation}
              other={other === undefined ? undefined : { id: other, name: displayName(users, other) }}
            />
          )}
          {group && (
            <button type="button" aria-expanded={showMembers} aria-controls={panelId} onClick={() => setShowMembers((v) => !v)}>
              Members
            </button>
          )}
        </header>
        <div className="pane-body">
          <MessageList conversationId={conversationId} conversation={conversation} focusSeq={focusSeq} />
          {group && showMembers && conversation && (
            <Suspense fallback={null}>
              <MembersPanel id={panelId} conversation={conversation} onClose={() => setShowMembers(false)} />
            </Suspense>
          )}
          {thread !== undefined && conversation && (
            <Suspense fallback={null}>
              <ThreadPanel
                conversation={conversation}
                rootId={thread.rootId}
                focusSeq={thread.focusSeq}
                onClose={() => setThread(undefined)}
              />
            </Suspense>
          )}
        </div>
        <TypingIndicator conversationId={conversationId} />
        {blockedOther && other !== undefined && (
          <p className="hint blocked-note">You blocked {displayName(users, other)}. Unblock them to send messages.</p>
        )}
        <Composer conversationId={conversationId} drafts={drafts} />
        {drop.dragging && (
          <div className="drop-target" aria-hidden="true">
            Drop files to attach them
          </div>
        )}
      </section>
    </ReplyContext.Provider>
  );
}
