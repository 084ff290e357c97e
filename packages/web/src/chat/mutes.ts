import type { Conversation } from "@chatapp/protocol";

/** The durations the conversation menu offers; `undefined` mutes until turned back on. */
export const MUTE_CHOICES: readonly { label: string; ms: number | undefined }[] = [
  { label: "For 1 hour", ms: 3600_000 },
  { label: "For 8 hours", ms: 8 * 3600_000 },
  { label: "For 1 week", ms: 7 * 86_400_000 },
  { label: "Until I turn it back on", ms: undefined },
];

/** Whether the conversation is muted at `now`: the server's `muted`, until `muted_until` passes. */
export function isMuted(conversation: Pick<Conversation, "muted" | "muted_until">, now: number): boolean {
  if (!conversation.muted) return false;
  return conversation.muted_until === null || Date.parse(conversation.muted_until) > now;
}

/** "Muted until 14:05" (today), "Muted until Tue 14:05" (this week), or plain "Muted". */
export function mutedLabel(conversation: Pick<Conversation, "muted_until">, now: number): string {
  if (conversation.muted_until === null) return "Muted";
  const end = new Date(conversation.muted_until);
  const time = end.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
  const sameDay = new Date(now).toDateString() === end.toDateString();
  return sameDay ? `Muted until ${time}` : `Muted until ${end.toLocaleDateString(undefined, { weekday: "short" })} ${time}`;
}
