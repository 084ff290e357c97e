/**
 * The http(s) URLs of a message's text, as the web client links them (packages/web/src/lib/
 * linkify.ts): a candidate starts with http:// or https:// (any case) and runs to white space
 * or one of < > "; sentence punctuation after it is dropped, and a closing bracket the URL
 * did not open. Bare "www." addresses, which the web links too, get no preview: the contract
 * names http:// and https:// URLs only. Each is returned as written in the message.
 */
const URL_CANDIDATE = /https?:\/\/[^\s<>"]+/giu;
const TRAILING_PUNCTUATION = new Set([".", ",", ";", ":", "!", "?", "'", '"']);
const CLOSERS: Record<string, string> = { ")": "(", "]": "[", "}": "{" };
/** Longer candidates are skipped (no page worth previewing has a 2 KiB address). */
export const MAX_URL_CHARS = 2048;

/** The first `limit` distinct http(s) URLs in `text`, in order, as written. */
export function extractUrls(text: string, limit = 3): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(URL_CANDIDATE)) {
    if (found.length >= limit) break;
    const candidate = trimTrailing(match[0]);
    if (candidate.length > MAX_URL_CHARS || found.includes(candidate) || !isHttpUrl(candidate)) continue;
    found.push(candidate);
  }
  return found;
}

function trimTrailing(url: string): string {
  let end = url.length;
  while (end > 0) {
    const last = url.charAt(end - 1);
    const opener = CLOSERS[last];
    if (TRAILING_PUNCTUATION.has(last)) end--;
    else if (opener !== undefined && count(url.slice(0, end), opener) < count(url.slice(0, end), last)) end--;
    else break;
  }
  return url.slice(0, end);
}

function count(text: string, char: string): number {
  return text.split(char).length - 1;
}

function isHttpUrl(candidate: string): boolean {
  try {
    const url = new URL(candidate);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
  } catch {
    return false;
  }
}
