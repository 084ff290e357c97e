import type { Attachment } from "@chatapp/protocol";
import type { UploadRow } from "./schema.js";

/** What is known of an upload once its bytes are stored and examined. */
export interface UploadFacts {
  name: string;
  contentType: string;
  size: number;
  width: number | null;
  height: number | null;
  hasThumbnail: boolean;
  /** An image whose metadata was stripped into a copy that is served in its place. */
  hasStripped?: boolean;
}

/** The wire shape of an upload (contract §3): paths on this server; width/height/thumbnail only for images. */
export function attachmentOf(u: UploadFacts & { id: number }): Attachment {
  const out: Attachment = { id: u.id, url: `/api/uploads/${u.id}`, name: u.name, content_type: u.contentType, size: u.size };
  if (u.width !== null && u.height !== null) {
    out.width = u.width;
    out.height = u.height;
  }
  if (u.hasThumbnail) out.thumbnail_url = `/api/uploads/${u.id}/thumbnail`;
  return out;
}

/** The attachment of a stored upload row. */
export function attachmentOfRow(row: UploadRow): Attachment {
  return attachmentOf({
    id: row.id,
    name: row.name,
    contentType: row.content_type,
    size: row.size,
    width: row.width,
    height: row.height,
    hasThumbnail: row.has_thumbnail === 1,
  });
}
