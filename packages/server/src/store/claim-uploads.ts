import type { Attachment } from "@chatapp/protocol";
import type { Transaction } from "kysely";
import { attachmentOfRow } from "./attachment-of.js";
import type { DialectAdapter } from "./dialects/index.js";
import { DraftRefusal } from "./draft-refusal.js";
import type { Database, UploadRow } from "./schema.js";

/**
 * A send named an upload it may not carry: not the sender's, not finished, already sent, or
 * named by an earlier send of the same batch. The send is refused whole (contract §2) and the
 * upload stays as it was.
 */
export class UploadClaimError extends DraftRefusal {
  constructor(message: string) {
    super(message);
    this.name = "UploadClaimError";
  }
}

/** One send's claim: the sender and the upload ids it names, in its order. */
export interface UploadClaim {
  senderId: number;
  uploadIds: readonly number[];
}

/**
 * Checks, inside the writer's transaction, that each claim may take its uploads, and answers
 * per claim its attachments (in the order named) or the refusal. The rows are locked where the
 * dialect can (SQLite has one writer at a time), so two nodes sending the same upload at once
 * take turns and the second finds it sent. Within the batch, an upload goes to the first claim
 * that names it.
 */
export async function checkClaims(
  trx: Transaction<Database>,
  adapter: Pick<DialectAdapter, "supportsForUpdate">,
  claims: UploadClaim[],
): Promise<(Attachment[] | UploadClaimError)[]> {
  const ids = [...new Set(claims.flatMap((c) => c.uploadIds))].sort((a, b) => a - b);
  if (ids.length === 0) return claims.map(() => []);
  let query = trx.selectFrom("uploads").selectAll().where("id", "in", ids).orderBy("id");
  if (adapter.supportsForUpdate) query = query.forUpdate();
  const rows = new Map((await query.execute()).map((r) => [r.id, r]));
  const taken = new Set<number>();
  return claims.map((claim) => {
    const refusal = claim.uploadIds.map((id) => refusalOf(rows.get(id), id, claim.senderId, taken)).find((r) => r);
    if (refusal) return new UploadClaimError(`attachments: ${refusal}`);
    for (const id of claim.uploadIds) taken.add(id);
    return claim.uploadIds.map((id) => attachmentOfRow(rows.get(id) as UploadRow));
  });
}

/** Why `row` cannot go with this send; undefined when it can. Others' uploads read as missing. */
function refusalOf(row: UploadRow | undefined, id: number, senderId: number, taken: Set<number>): string | undefined {
  if (!row || row.uploader_id !== senderId) return `upload ${id} does not exist (or is not yours)`;
  if (row.ready !== 1) return `upload ${id} is not finished`;
  if (row.message_id !== null || taken.has(id)) return `upload ${id} was already sent: upload the file again to send it again`;
  return undefined;
}

/** Marks the uploads as sent with their message: from now on its members may read them. */
export async function linkUploads(
  trx: Transaction<Database>,
  links: { messageId: number; conversationId: number; uploadIds: readonly number[] }[],
): Promise<void> {
  for (const link of links) {
    if (link.uploadIds.length === 0) continue;
    await trx
      .updateTable("uploads")
      .set({ message_id: link.messageId, conversation_id: link.conversationId })
      .where("id", "in", [...link.uploadIds])
      .where("message_id", "is", null)
      .execute();
  }
}
