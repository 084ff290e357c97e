import { useChatState } from "../chat/chat-context.js";

/**
 * Says when the connection is down (sends wait and go out on reconnect), and a quiet "Back
 * online" after. The element stays in the page so screen readers announce its changes.
 */
export function ConnectionBanner() {
  const connection = useChatState((s) => s.connection);
  const backOnline = useChatState((s) => s.backOnline);
  const waiting = useChatState((s) => s.pending.filter((p) => p.error === undefined).length);

  let tone: "offline" | "online" | undefined;
  let text = "";
  if (connection === "reconnecting" || connection === "closed") {
    tone = "offline";
    text =
      waiting > 0
        ? `Reconnecting… ${waiting} ${waiting === 1 ? "message" : "messages"} will be sent when the connection is back.`
        : "Reconnecting… Messages you write will be sent when the connection is back.";
  } else if (connection === "open" && backOnline) {
    tone = "online";
    text = "Back online";
  }
  return (
    <div className="banner" data-tone={tone} role="status">
      {text}
    </div>
  );
}
