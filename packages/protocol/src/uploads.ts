import { type Static, Type } from "@sinclair/typebox";
import { Id } from "./ids.js";

/**
 * An uploaded file as the API answers it (`POST /api/uploads`) and as messages will carry it
 * (contract §3). `url` and `thumbnail_url` are paths on the server; `width`, `height` and
 * `thumbnail_url` are present only for images the server could read.
 */
export const Attachment = Type.Object({
  id: Id,
  url: Type.String(),
  name: Type.String({ minLength: 1 }),
  content_type: Type.String(),
  size: Type.Integer({ minimum: 1 }),
  width: Type.Optional(Type.Integer({ minimum: 1 })),
  height: Type.Optional(Type.Integer({ minimum: 1 })),
  thumbnail_url: Type.Optional(Type.String()),
});
export type Attachment = Static<typeof Attachment>;

/** `GET /api/uploads/:id` and `GET /api/uploads/:id/thumbnail`. */
export const UploadParams = Type.Object({ id: Id });
export type UploadParams = Static<typeof UploadParams>;

/** A token for elements that cannot send headers (`<img src>`): `?token=`. */
export const UploadQuery = Type.Object({ token: Type.Optional(Type.String({ maxLength: 8192 })) });
export type UploadQuery = Static<typeof UploadQuery>;
