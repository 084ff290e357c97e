import { lazy, Suspense, useEffect, useState } from "react";
import { useChat } from "../chat/chat-context.js";
import { useRoute } from "../lib/hash-route.js";
import { listenToWorker } from "../push/worker-messages.js";
import { Announcer } from "./announcer.js";
import { ConnectionBanner } from "./connection-banner.js";
import { ConversationPane } from "./conversation-pane.js";
import { Sidebar } from "./sidebar.js";
import { UnreadSignals } from "./unread-signals.js";

// Dialogs load when first opened: they are not needed to show the first screen.
const NewChatDialog = lazy(() => import("./new-chat-dialog.js").then((m) => ({ default: m.NewChatDialog })));
const NewGroupDialog = lazy(() => import("./new-group-dialog.js").then((m) => ({ default: m.NewGroupDialog })));

/**
 * The chat screen: the list beside the open conversation. Below ~700px only one of them shows
 * (data-view tells the stylesheet which), switched by opening a conversation or going back.
 */
export function ChatLayout() {
  const chat = useChat();
  const { conversationId, focusSeq } = useRoute();
  const [dialog, setDialog] = useState<"direct" | "group">();

  useEffect(() => chat.view(conversationId), [chat, conversationId]);
  // The service worker asks this window which conversation it shows, and (after a click on a
  // notification) to open one.
  useEffect(listenToWorker, []);

  return (
    <div className="layout" data-view={conversationId === undefined ? "list" : "conversation"}>
      <ConnectionBanner />
      <Announcer />
      <UnreadSignals openId={conversationId} />
      <Sidebar openId={conversationId} onNewChat={() => setDialog("direct")} onNewGroup={() => setDialog("group")} />
      <main className="pane">
        {conversationId === undefined ? (
          <div className="pane-empty">
            <p>Pick a conversation, or start a new one.</p>
          </div>
        ) : (
          <ConversationPane key={conversationId} conversationId={conversationId} focusSeq={focusSeq} />
        )}
      </main>
      <Suspense fallback={null}>
        {dialog === "direct" && <NewChatDialog onClose={() => setDialog(undefined)} />}
        {dialog === "group" && <NewGroupDialog onClose={() => setDialog(undefined)} />}
      </Suspense>
    </div>
  );
}
