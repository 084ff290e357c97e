import type { Attachment } from "@chatapp/protocol";
import { lazy, Suspense, useEffect, useRef, useState } from "react";
import { fitBox } from "../lib/image-box.js";
import { useFileUrl } from "./use-file-url.js";
import { useOnScreenOnce } from "./use-on-screen-once.js";

const Lightbox = lazy(() => import("./lightbox.js").then((m) => ({ default: m.Lightbox })));

type Picture = Attachment & { width: number; height: number; thumbnail_url: string };

/**
 * An image in a message: its thumbnail in a box of the image's own aspect ratio, sized before
 * the thumbnail arrives, so the list does not jump when it does; it is fetched once on
 * screen. Click or Enter opens the image in a lightbox (its code loads then); closing it puts
 * focus back here.
 */
export function AttachmentThumbnail({ attachment }: { attachment: Picture }) {
  const box = fitBox(attachment.width, attachment.height);
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const onScreen = useOnScreenOnce(button);
  const thumbnail = useFileUrl(onScreen ? attachment.thumbnail_url : undefined);
  const wasOpen = useRef(false);

  useEffect(() => {
    // After the dialog has gone (and the browser moved focus wherever it did).
    if (wasOpen.current && !open) button.current?.focus();
    wasOpen.current = open;
  }, [open]);

  return (
    <>
      <button
        ref={button}
        type="button"
        className="attachment-thumbnail"
        // The CSSOM (React's style), which the page's CSP allows: the box's size and shape.
        style={{ width: box.width, aspectRatio: `${box.width} / ${box.height}` }}
        aria-label={`View ${attachment.name}`}
        aria-haspopup="dialog"
        data-loaded={thumbnail.url ? "" : undefined}
        onClick={() => setOpen(true)}
      >
        {thumbnail.url && <img src={thumbnail.url} alt={attachment.name} width={box.width} height={box.height} />}
        {thumbnail.error && <span className="attachment-thumbnail-error">{thumbnail.error}</span>}
      </button>
      {open && (
        <Suspense fallback={null}>
          <Lightbox attachment={attachment} previewUrl={thumbnail.url} onClose={() => setOpen(false)} />
        </Suspense>
      )}
    </>
  );
}
