import { LIMITS, MAX_MENTION_IDS, mentionedNames, USERNAME_PATTERN } from "@chatapp/protocol";
import type { MentionsRepo } from "../store/mentions-repo.js";
import type { MessageRow } from "../store/schema.js";
import { ChatError } from "./errors.js";

/**
 * Every name of a text is looked up (contract §7: the mentioned set is the union of the ids
 * and the names). The text bounds them: a name is at least 3 characters after its `@`, so a
 * text of 4,000 holds at most 1,000; the bound is kept in case the limits ever part.
 */
const MAX_NAMES = Math.ceil(LIMITS.maxContentChars / 4);
const USERNAME = new RegExp(USERNAME_PATTERN);

/** The `@usernames` of a text worth looking up: lower-cased, each once (at most MAX_NAMES). */
export function namesIn(content: string): string[] {
  return mentionedNames(content)
    .filter((n) => USERNAME.test(n))
    .slice(0, MAX_NAMES);
}

/** The shape of a send's `mentions` (the edges check it too; kept here for any other caller). */
export function validateMentionIds(ids: readonly number[]): void {
  if (ids.length > MAX_MENTION_IDS) throw new ChatError("invalid_request", `mentions: at most ${MAX_MENTION_IDS} user ids`);
  if (!ids.every((id) => Number.isSafeInteger(id) && id > 0)) {
    throw new ChatError("invalid_request", "mentions: user ids are positive integers");
  }
}

/**
 * Mentions (contract §7). A send's candidates (its ids and the names in its text) are
 * resolved to members inside the writer's transaction (store/mention-rows.ts); here: what an
 * edit changes, the per-reader counts of the conversation list and the `ready` frame, and
 * what a deletion drops.
 */
export class Mentions {
  constructor(private readonly repo: MentionsRepo) {}

  /** After an edit: the names of the new text, and the ids the send named. */
  async edited(row: MessageRow): Promise<MessageRow> {
    return (await this.repo.rewrite(row.id, namesIn(row.content))) ?? row;
  }

  /** A deleted message no longer counts as a mention of anyone. */
  deleted(messageId: number): Promise<void> {
    return this.repo.dropMessage(messageId);
  }

  /** Unread mentions of `userId` per conversation (all of theirs without `conversationIds`). */
  unreadCounts(userId: number, conversationIds?: number[]): Promise<Map<number, number>> {
    return this.repo.unreadCounts(userId, conversationIds);
  }
}
