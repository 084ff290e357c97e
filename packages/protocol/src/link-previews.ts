import { type Static, Type } from "@sinclair/typebox";

/**
 * A page a message links to, as the server read it (contract §4): `url` as written in the
 * message; `title` from og:title, twitter:title or <title>; `description` from
 * og:description or the description meta tag; `image_url` is og:image made absolute.
 */
export const LinkPreview = Type.Object({
  url: Type.String(),
  title: Type.String({ maxLength: 300 }),
  description: Type.Optional(Type.String({ maxLength: 1000 })),
  image_url: Type.Optional(Type.String()),
  site_name: Type.Optional(Type.String()),
});
export type LinkPreview = Static<typeof LinkPreview>;

/** The server previews at most this many distinct links of a message. */
export const MAX_LINK_PREVIEWS = 3;
