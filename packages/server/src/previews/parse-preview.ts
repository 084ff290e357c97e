import { Parser } from "htmlparser2";

/** What a page says about itself; `title` is required for an entry (contract §4). */
export interface PagePreview {
  title: string;
  description?: string;
  image_url?: string;
  site_name?: string;
}

export const MAX_TITLE_CHARS = 300;
export const MAX_DESCRIPTION_CHARS = 1000;
export const MAX_SITE_NAME_CHARS = 300;
/** Longer image addresses are dropped rather than cut (a cut URL points elsewhere). */
export const MAX_IMAGE_URL_CHARS = 2048;

/**
 * Reads the preview of an HTML page: title from og:title, else twitter:title, else <title>;
 * description from og:description, else <meta name="description">; image_url from og:image
 * resolved against `pageUrl` (the page's final address, after redirects) to an absolute
 * http(s) URL; site_name from og:site_name. Entities are decoded (htmlparser2), texts are
 * made well-formed, white space collapsed, trimmed and cut to their limits in code points.
 * Undefined when the page gives no title. Only the first value of each tag counts.
 */
export function parsePreview(html: string, pageUrl: string): PagePreview | undefined {
  const meta = new Map<string, string>();
  let titleText: string | undefined;
  let inTitle = false;
  let titleParts: string[] = [];
  let inSvg = 0;

  const parser = new Parser(
    {
      onopentag(name, attribs) {
        if (name === "svg") inSvg++;
        if (name === "title" && titleText === undefined && inSvg === 0) {
          inTitle = true;
          titleParts = [];
        } else if (name === "meta") {
          const key = (attribs.property ?? attribs.name ?? "").trim().toLowerCase();
          const content = attribs.content;
          if (key !== "" && content !== undefined && !meta.has(key)) meta.set(key, content);
        }
      },
      ontext(text) {
        if (inTitle && titleParts.length < 1000) titleParts.push(text);
      },
      onclosetag(name) {
        if (name === "svg" && inSvg > 0) inSvg--;
        if (name === "title" && inTitle) {
          inTitle = false;
          titleText = titleParts.join("");
        }
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  if (inTitle) titleText = titleParts.join("");

  const pick = (...values: (string | undefined)[]) => {
    for (const value of values) {
      if (value === undefined) continue;
      const text = cleanText(value);
      if (text !== "") return text;
    }
    return undefined;
  };
  const title = pick(meta.get("og:title"), meta.get("twitter:title"), titleText);
  if (title === undefined) return undefined;
  const preview: PagePreview = { title: cut(title, MAX_TITLE_CHARS) };
  const description = pick(meta.get("og:description"), meta.get("description"));
  if (description !== undefined) preview.description = cut(description, MAX_DESCRIPTION_CHARS);
  const image = resolveHttpUrl(meta.get("og:image") ?? meta.get("og:image:url"), pageUrl);
  if (image !== undefined) preview.image_url = image;
  const siteName = pick(meta.get("og:site_name"));
  if (siteName !== undefined) preview.site_name = cut(siteName, MAX_SITE_NAME_CHARS);
  return preview;
}

/** Well-formed (lone surrogates replaced), control characters dropped, white space collapsed, trimmed. */
export function cleanText(text: string): string {
  return toWellFormed(text)
    .replace(/\s+/gu, " ")
    .replace(/\p{Cc}/gu, "")
    .trim();
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Lone UTF-16 surrogates replaced by U+FFFD (String#toWellFormed is ES2024; the lib here is ES2023). */
export function toWellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, "\uFFFD");
}

/** At most `max` code points (never splits a surrogate pair). */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const points = Array.from(text);
  return points.length <= max ? text : points.slice(0, max).join("").trimEnd();
}

/** `value` resolved against `base`, when that gives an absolute http(s) URL of bounded length. */
export function resolveHttpUrl(value: string | undefined, base: string): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === "") return undefined;
  try {
    const url = new URL(toWellFormed(trimmed), base);
    if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
    if (url.username !== "" || url.password !== "") return undefined;
    return url.href.length <= MAX_IMAGE_URL_CHARS ? url.href : undefined;
  } catch {
    return undefined;
  }
}
