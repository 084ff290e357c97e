import type { Attachment } from "@chatapp/protocol";

/** Thumbnails fit in this square, as the server makes them (contract §3). */
export const THUMBNAIL_MAX = 320;

export interface Box {
  width: number;
  height: number;
}

/**
 * The box an image of `width`×`height` takes in a message: scaled down (never up) to fit in
 * `max`×`max`, keeping its aspect ratio, at least 1 px each way. Known before the image loads,
 * so the message has its final height from the start and nothing below it jumps.
 */
export function fitBox(width: number, height: number, max = THUMBNAIL_MAX): Box {
  const scale = Math.min(1, max / width, max / height);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** An image the server could read: it has a size and a thumbnail, and shows as a picture. */
export function isPicture(
  attachment: Attachment,
): attachment is Attachment & { width: number; height: number; thumbnail_url: string } {
  return (
    attachment.content_type.startsWith("image/") &&
    attachment.thumbnail_url !== undefined &&
    (attachment.width ?? 0) > 0 &&
    (attachment.height ?? 0) > 0
  );
}
