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
  /** Whether `userId` blocks `senderId`: such a sender's messages never notify them. */
  blocks?: (userId: number, senderId: number) => boolean;
}

/**
 * Per member, the latest message that may notify them (integrations §4): not their own, not
 * read (their read cursor is below it), not from a sender they block, and in mentions-only
 * groups one that mentions or replies to them. Several messages collapse into one
 * notification naming the latest, so only that one is kept. Each member's walk stops at the
 * first message that qualifies or at their read cursor, so this stays near linear in members
 * + messages: a 10,000-member group costs no members x messages loop.
 */
export function latestPerMember(input: AudienceInput): Map<number, PlannedMessage> {
  const out = new Map<number, PlannedMessage>();
  const { messages, members } = input;
  const blocks = input.blocks ?? (() => false);
  const qualifies = (userId: number, m: PlannedMessage) => userId !== m.senderId && !blocks(userId, m.senderId);
  if (!input.mentionsOnly) {
    for (const [userId, read] of members) {
      // Newest first: once at the read cursor, everything older has been read too.
      for (const m of messages) {
        if (m.seq <= read) break;
        if (qualifies(userId, m)) {
          out.set(userId, m);
          break;
        }
      }
    }
    return out;
  }
  for (const m of messages) {
    const addressed = new Set(m.mentions);
    const author = m.replyToId === null ? undefined : input.replyAuthors.get(m.replyToId);
    if (author !== undefined) addressed.add(author);
    for (const userId of addressed) {
      const read = members.get(userId);
      if (read === undefined || read >= m.seq || out.has(userId)) continue;
      if (qualifies(userId, m)) out.set(userId, m);
    }
  }
  return out;
}
