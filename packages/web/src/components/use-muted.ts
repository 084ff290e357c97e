import type { Conversation } from "@chatapp/protocol";
import { useEffect, useState } from "react";
import { isMuted } from "../chat/mutes.js";

/** The longest delay setTimeout takes (about 24.8 days); a later end is checked again then. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * Whether the conversation is muted now, turning false by itself when `muted_until` passes
 * (one timer per muted entry with an end, none otherwise).
 */
export function useMuted(conversation: Pick<Conversation, "muted" | "muted_until">): boolean {
  const [, rerender] = useState(0);
  const muted = isMuted(conversation, Date.now());
  const end = conversation.muted_until;
  useEffect(() => {
    if (!muted || end === null) return;
    const timer = setTimeout(() => rerender((n) => n + 1), Math.min(Date.parse(end) - Date.now() + 50, MAX_DELAY_MS));
    return () => clearTimeout(timer);
  }, [muted, end]);
  return muted;
}
