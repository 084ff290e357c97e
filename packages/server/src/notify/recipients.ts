import type { PlannedMessage } from "../store/notifications-repo.js";

/** What decides who a conversation's messages may notify, before presence, mutes and blocks. */
export interface AudienceInput {
  /** The planned user messages, newest first. */
  messages: readonly PlannedMessage[];
  /** Current members and their read cursors. */
  members: ReadonlyMap<number, number>;
  /**
   * Only mentions and replies notify (a group above PUSH_GROUP_MENTIONS_ONLY_ABOVE members):
   * each message reaches the members it mentions and the author of the message it quotes.
   */
  mentionsOnly: boolean;
  /** The author of each quoted message (by the quoted message's id). */
  replyAuthors: ReadonlyMap<number, number>;
}

/**
 * Per member, the latest message that may notify them (integrations §4): not their own, not
 * read (their read cursor is below it), and in mentions-only groups one that mentions or
 * replies to them. Several messages collapse into one notification naming the latest, so
 * only that one is kept. Linear in messages + members: a 10,000-member group costs no
 * members x messages loop.
 */
export function latestPerMember(input: AudienceInput): Map<number, PlannedMessage> {
  const out = new Map<number, PlannedMessage>();
  const { messages, members } = input;
  const unread = (userId: number, m: PlannedMessage) => {
    const read = members.get(userId);
    return read !== undefined && read < m.seq && userId !== m.senderId;
  };
  if (!input.mentionsOnly) {
    // Everyone but its sender is named by the latest message; its sender by the latest
    // message somebody else sent. Cursors only move forward, so one that has not reached the
    // latest has reached nothing later, and one that has reached it has read them all.
    const latest = messages[0];
    if (!latest) return out;
    for (const userId of members.keys()) if (unread(userId, latest)) out.set(userId, latest);
    const other = messages.find((m) => m.senderId !== latest.senderId);
    if (other && unread(latest.senderId, other)) out.set(latest.senderId, other);
    return out;
  }
  for (const m of messages) {
    const addressed = new Set(m.mentions);
    const author = m.replyToId === null ? undefined : input.replyAuthors.get(m.replyToId);
    if (author !== undefined) addressed.add(author);
    for (const userId of addressed) if (!out.has(userId) && unread(userId, m)) out.set(userId, m);
  }
  return out;
}
