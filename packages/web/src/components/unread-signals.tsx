import type { Conversation } from "@chatapp/protocol";
import { useEffect, useMemo, useRef } from "react";
import { useChatState } from "../chat/chat-context.js";
import { faviconHref, tabTitle } from "../lib/favicon-badge.js";
import { soundSetting } from "../settings/sound.js";

/** The sound, served by the app itself (public/sounds). */
const SOUND_URL = "/sounds/message.wav";
/** A burst of messages (a resume, a busy group) rings once, not once per message. */
const SOUND_GAP_MS = 1500;

function totalUnread(conversations: ReadonlyMap<number, Conversation>): number {
  let total = 0;
  for (const c of conversations.values()) total += c.unread_count;
  return total;
}

/**
 * What tells someone in another tab or conversation that a message came: the tab title
 * "(3) ChatApp", a badge on the favicon, and (when turned on in Settings) a short sound for
 * messages in a conversation that is not on screen, or any while the tab is hidden.
 * Renders nothing.
 */
export function UnreadSignals({ openId }: { openId: number | undefined }) {
  const conversations = useChatState((s) => s.conversations);
  const lastIncoming = useChatState((s) => s.lastIncoming);
  const unread = useMemo(() => totalUnread(conversations), [conversations]);
  const lastRing = useRef(0);
  const openRef = useRef(openId);
  useEffect(() => {
    openRef.current = openId;
  });

  useEffect(() => {
    document.title = tabTitle(unread);
    const icon = document.querySelector<HTMLLinkElement>('link[rel="icon"]');
    if (icon) {
      icon.href = faviconHref(unread);
      icon.type = "image/svg+xml";
    }
  }, [unread]);

  // Logged out (this component unmounts): a plain title and icon again.
  useEffect(
    () => () => {
      document.title = tabTitle(0);
      const icon = document.querySelector<HTMLLinkElement>('link[rel="icon"]');
      if (icon) icon.href = "/favicon.svg";
    },
    [],
  );

  useEffect(() => {
    if (!lastIncoming || soundSetting.get() !== "on") return;
    const seen = document.visibilityState === "visible" && lastIncoming.conversation_id === openRef.current;
    const now = Date.now();
    if (seen || now - lastRing.current < SOUND_GAP_MS) return;
    lastRing.current = now;
    const audio = new Audio(SOUND_URL);
    audio.volume = 0.6;
    // Browsers refuse sound before the user has interacted with the page: then it stays quiet.
    audio.play().catch(() => {});
  }, [lastIncoming]);

  return null;
}
