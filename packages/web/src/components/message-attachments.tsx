import type { Attachment } from "@chatapp/protocol";
import type { ReactNode } from "react";
import { isPicture } from "../lib/image-box.js";
import { AttachmentFileCard } from "./attachment-file-card.js";
import { AttachmentThumbnail } from "./attachment-thumbnail.js";

/** A message's files: images as thumbnails, then other files as cards. */
export function MessageAttachments({ attachments }: { attachments: readonly Attachment[] }) {
  const pictures = attachments.filter(isPicture);
  const files = attachments.filter((a) => !isPicture(a));
  return (
    <>
      {listOf("Images", "attachment-pictures", pictures, (a) => (
        <AttachmentThumbnail attachment={a} />
      ))}
      {listOf("Files", "attachment-files", files, (a) => (
        <AttachmentFileCard attachment={a} />
      ))}
    </>
  );
}

function listOf<T extends Attachment>(label: string, className: string, items: T[], render: (item: T) => ReactNode) {
  if (items.length === 0) return null;
  return (
    <ul className={className} aria-label={label}>
      {items.map((item) => (
        <li key={item.id}>{render(item)}</li>
      ))}
    </ul>
  );
}
