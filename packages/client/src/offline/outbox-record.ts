import type { Attachment, ReplyTo } from "@chatapp/protocol";
import type { Target } from "../lanes.js";

/** A file of a send: uploaded (its attachment), named by id, or still to upload (its bytes). */
export type OutboxFile =
  | { attachment: Attachment }
  | { id: number }
  | { file: Blob | Uint8Array; name: string; type: string; size: number };

/**
 * An unanswered send as it is stored: enough to build its frame again after a restart, with
 * the same client_id (the server stores it once however often it goes out).
 */
export interface OutboxRecord {
  /** Its key: `order` keeps the sends in the order they were made. */
  key: string;
  clientId: string;
  /** The runtime (tab) that sends it; see OwnerLocks. */
  owner: string;
  createdAt: string;
  target: Target;
  content: string;
  files: OutboxFile[];
  mentions?: number[];
  /** The quote (sender's own copy shows it), or only the quoted message's id. */
  replyTo?: ReplyTo | number;
  threadRootId?: number;
}

/** Files still to upload. */
export function filesToUpload(record: OutboxRecord): number {
  return record.files.filter((f) => "file" in f).length;
}

/** The `send` frame, once every file is uploaded. */
export function sendFrame(record: OutboxRecord): string {
  const attachments = record.files.map((f) => ("attachment" in f ? f.attachment.id : "id" in f ? f.id : 0));
  const { target, replyTo } = record;
  return JSON.stringify({
    type: "send",
    ...("receiverId" in target ? { receiver_id: target.receiverId } : { conversation_id: target.conversationId }),
    content: record.content,
    client_id: record.clientId,
    ...(attachments.length > 0 ? { attachments } : {}),
    ...(record.mentions && record.mentions.length > 0 ? { mentions: record.mentions } : {}),
    ...(replyTo === undefined ? {} : { reply_to: typeof replyTo === "number" ? replyTo : replyTo.id }),
    ...(record.threadRootId === undefined ? {} : { thread_root_id: record.threadRootId }),
  });
}

/** A well-formed record read back from storage (anything else is skipped, not sent). */
export function isOutboxRecord(value: unknown): value is OutboxRecord {
  const r = value as Partial<OutboxRecord> | null;
  return (
    typeof r === "object" &&
    r !== null &&
    typeof r.clientId === "string" &&
    typeof r.owner === "string" &&
    typeof r.content === "string" &&
    typeof r.target === "object" &&
    r.target !== null &&
    Array.isArray(r.files)
  );
}
