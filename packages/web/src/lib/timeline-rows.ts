import type { Message } from "@chatapp/protocol";
import { dayKey } from "./dates.js";

/** Messages of one sender closer together than this share one name and avatar. */
export const RUN_GAP_MS = 5 * 60_000;

/** One row of the message list, in order: what the (virtualised) list lays out. */
export type TimelineRow =
  | { kind: "start"; key: string }
  | { kind: "day"; key: string; timestamp: string }
  | { kind: "unread"; key: string }
  | { kind: "message"; key: string; message: Message; firstOfRun: boolean };

/**
 * The rows for a conversation's loaded messages: "start of the conversation" when nothing
 * older exists, a separator wherever the day changes, the unread divider above message
 * `firstUnread`, and each message with whether it heads a run (a new sender, a system line
 * before, a new day, or a pause of more than RUN_GAP_MS).
 */
export function timelineRows(messages: readonly Message[], atStart: boolean, firstUnread: number | undefined): TimelineRow[] {
  const rows: TimelineRow[] = [];
  if (atStart) rows.push({ kind: "start", key: "start" });
  let day = "";
  let previous: Message | undefined;
  for (const message of messages) {
    const key = dayKey(message.timestamp);
    if (key !== day) {
      day = key;
      previous = undefined;
      rows.push({ kind: "day", key: `day-${key}`, timestamp: message.timestamp });
    }
    const unread = message.seq === firstUnread;
    if (unread) rows.push({ kind: "unread", key: "unread" });
    rows.push({ kind: "message", key: `m-${message.seq}`, message, firstOfRun: unread || headsRun(previous, message) });
    previous = message;
  }
  return rows;
}

function headsRun(previous: Message | undefined, message: Message): boolean {
  if (previous === undefined || previous.kind === "system" || message.kind === "system") return true;
  if (previous.sender_id !== message.sender_id) return true;
  return Date.parse(message.timestamp) - Date.parse(previous.timestamp) > RUN_GAP_MS;
}

/** The first message after `readSeq` that someone else wrote: where the unread divider goes. */
export function firstUnreadSeq(messages: readonly Message[], readSeq: number, me: number): number | undefined {
  return messages.find((m) => m.seq > readSeq && m.sender_id !== me && m.kind !== "system")?.seq;
}

/** Others' messages after `seq`: the count on the jump-to-latest button. */
export function newFromOthers(messages: readonly Message[], afterSeq: number, me: number): number {
  let n = 0;
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (!m || m.seq <= afterSeq) break;
    if (m.sender_id !== me && m.kind !== "system") n++;
  }
  return n;
}
