import {
  type NotificationNeededData,
  PUSH_PAYLOAD_MAX_BYTES,
  type PushClearPayload,
  type PushMessagePayload,
  pushPreview,
} from "@chatapp/protocol";
import type { PlannedMessage } from "../store/notifications-repo.js";

/** What a notification names: the message and how to show it. */
export interface NotificationFacts {
  userId: number;
  conversationId: number;
  conversationType: "direct" | "group";
  /** Groups only. */
  conversationTitle: string | undefined;
  message: PlannedMessage;
  senderName: string | undefined;
  /** PUSH_PREVIEWS: false keeps every bit of the content out. */
  previews: boolean;
}

/** Code points kept of a name or title when a payload would pass the size limit. */
const SHORT_TEXT = 100;

const bytes = (text: string) => Buffer.byteLength(text, "utf8");
const cut = (text: string, points: number) => {
  const all = Array.from(text);
  return all.length > points ? `${all.slice(0, points - 1).join("")}…` : text;
};

/**
 * The push's plaintext (integrations §4), at most PUSH_PAYLOAD_MAX_BYTES: a preview is at
 * most 100 code points, but names and titles have limits of their own, so when the whole
 * would pass the limit the name and title are shortened, then the preview dropped.
 */
export function pushMessagePayload(facts: NotificationFacts): string {
  const payload: PushMessagePayload = {
    type: "message",
    conversation_id: facts.conversationId,
    message_id: facts.message.id,
    seq: facts.message.seq,
    sender_id: facts.message.senderId,
  };
  if (facts.senderName !== undefined) payload.sender_name = facts.senderName;
  if (facts.conversationTitle !== undefined) payload.conversation_title = facts.conversationTitle;
  if (facts.previews) payload.preview = pushPreview(facts.message.content);
  let text = JSON.stringify(payload);
  if (bytes(text) <= PUSH_PAYLOAD_MAX_BYTES) return text;
  if (payload.sender_name !== undefined) payload.sender_name = cut(payload.sender_name, SHORT_TEXT);
  if (payload.conversation_title !== undefined) payload.conversation_title = cut(payload.conversation_title, SHORT_TEXT);
  text = JSON.stringify(payload);
  if (bytes(text) <= PUSH_PAYLOAD_MAX_BYTES) return text;
  delete payload.preview;
  return JSON.stringify(payload);
}

/** The push that tells a user's devices the conversation was read up to `seq`. */
export function pushClearPayload(conversationId: number, seq: number): string {
  const payload: PushClearPayload = { type: "clear", conversation_id: conversationId, seq };
  return JSON.stringify(payload);
}

/**
 * The `notification.needed` event's data (integrations §2): the required fields, `preview`
 * unless PUSH_PREVIEWS=false, and what a relay needs to word the notification without
 * another call (sender name, title, conversation type).
 */
export function notificationNeededData(facts: NotificationFacts): NotificationNeededData {
  const data: NotificationNeededData = {
    user_id: facts.userId,
    conversation_id: facts.conversationId,
    message_id: facts.message.id,
    seq: facts.message.seq,
    sender_id: facts.message.senderId,
  };
  if (facts.previews) data.preview = pushPreview(facts.message.content);
  if (facts.senderName !== undefined) data.sender_name = facts.senderName;
  if (facts.conversationTitle !== undefined) data.conversation_title = facts.conversationTitle;
  data.conversation_type = facts.conversationType;
  return data;
}
