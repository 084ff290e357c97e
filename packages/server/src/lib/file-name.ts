/** Longest stored file name, in UTF-8 bytes. */
export const MAX_FILE_NAME_BYTES = 255;

// Control characters, and the invisible marks that reorder text (a name could show as
// "photo.exe" while it is "photo\u202Eexe.jpg").
const UNWANTED = /[\p{Cc}\u200E\u200F\u202A-\u202E\u2066-\u2069]/gu;

/**
 * A client's file name made safe to store and show: its last path component (after the last
 * `/` or `\`), without control or bidirectional-override characters or ill-formed UTF-16, trimmed,
 * at most 255 UTF-8 bytes cut on a character boundary; "file" when nothing is left.
 */
export function sanitizeFileName(raw: string | undefined): string {
  const parts = (raw ?? "").split(/[/\\]/);
  let name = (parts[parts.length - 1] ?? "")
    .replace(/[\uD800-\uDFFF]/g, (c, i: number, s: string) => {
      // Keep surrogate pairs, drop lone halves.
      const code = c.charCodeAt(0);
      if (code <= 0xdbff) return /[\uDC00-\uDFFF]/.test(s[i + 1] ?? "") ? c : "";
      return /[\uD800-\uDBFF]/.test(s[i - 1] ?? "") ? c : "";
    })
    .replace(UNWANTED, "")
    .trim();
  if (name === "." || name === "..") name = "";
  let bytes = 0;
  let cut = "";
  for (const char of name) {
    const size = Buffer.byteLength(char, "utf8");
    if (bytes + size > MAX_FILE_NAME_BYTES) break;
    bytes += size;
    cut += char;
  }
  cut = cut.trim();
  return cut === "" ? "file" : cut;
}

/**
 * A `Content-Disposition` value: `inline` or `attachment`, an ASCII fallback `filename` and the
 * real name as `filename*=UTF-8''…` (RFC 6266 / RFC 8187).
 */
export function contentDisposition(kind: "inline" | "attachment", name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, "_");
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
