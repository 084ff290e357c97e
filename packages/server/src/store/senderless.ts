/**
 * Messages no user sent — admin notices, and the system messages of changes made through the
 * admin API — store `sender_id = −conversation_id`. User ids are positive, so it names no
 * user; the column stays NOT NULL (no table rebuild on SQLite); and the unique index on
 * (sender_id, client_id) makes a notice's client_id unique per conversation, which is exactly
 * the notices' idempotency. Clients see `sender_id: null` (message-view.ts, threads-repo.ts).
 */
export const senderlessId = (conversationId: number): number => -conversationId;

/** The sender as clients see it: null for a senderless message. */
export const wireSender = (senderId: number): number | null => (senderId > 0 ? senderId : null);
