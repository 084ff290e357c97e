import type { Attachment } from "@chatapp/protocol";
import { Modal } from "./modal.js";
import { useFileUrl } from "./use-file-url.js";

/**
 * An image at full size in a dialog, with its name and a download link. Escape, the close
 * button or a click outside the image closes it. The thumbnail shows until the full image has
 * arrived. Loaded on first use: it is not part of the first screen's code.
 */
export function Lightbox({
  attachment,
  previewUrl,
  onClose,
}: {
  attachment: Attachment;
  previewUrl: string | undefined;
  onClose: () => void;
}) {
  const full = useFileUrl(attachment.url);
  const src = full.url ?? previewUrl;
  return (
    <Modal title={attachment.name} onClose={onClose} className="modal lightbox" closeOnBackdrop>
      <div className="lightbox-body">
        {src && (
          <img
            className="lightbox-image"
            src={src}
            alt={attachment.name}
            width={attachment.width}
            height={attachment.height}
            data-full={full.url ? "" : undefined}
          />
        )}
        {full.error && (
          <p className="error" role="alert">
            {full.error}
          </p>
        )}
      </div>
      <p className="lightbox-actions">
        {full.url ? (
          <a href={full.url} download={attachment.name}>
            Download
          </a>
        ) : (
          !full.error && <span className="lightbox-loading">Loading the full image…</span>
        )}
      </p>
    </Modal>
  );
}
