/** A piece of message text: plain, or a link that is safe to open. */
export type TextSegment = { kind: "text"; text: string } | { kind: "link"; text: string; href: string };

/**
 * Candidates start with http://, https:// or a bare "www." (as people type them) and run to
 * white space; anything else stays text. A "www." inside a word, an address or a path
 * ("foo.www.x", "me@www.x", "/www.x") is not the start of a link.
 */
const URL_CANDIDATE = /(?:https?:\/\/|(?<![\p{L}\p{N}_@./:-])www\.)[^\s<>"]+/giu;
/** A bare www. address needs a name and a top-level domain after "www." to count as one. */
const BARE_HOST = /^www\.[^.]+\.[^.]+/;
/** Punctuation that usually ends the sentence around a link rather than the link itself. */
const TRAILING_PUNCTUATION = new Set([".", ",", ";", ":", "!", "?", "'", '"']);
const CLOSERS: Record<string, string> = { ")": "(", "]": "[", "}": "{" };

/**
 * Splits text into plain and link segments. Only http and https URLs become links (no
 * `javascript:` or `data:`, whatever the text says); a bare `www.` address links to https,
 * as the address bar would. The caller renders every segment as text, never as HTML.
 */
export function splitLinks(text: string): TextSegment[] {
  const segments: TextSegment[] = [];
  let done = 0;
  for (const match of text.matchAll(URL_CANDIDATE)) {
    const start = match.index;
    const candidate = trimTrailing(match[0]);
    const href = safeHref(candidate);
    if (href === undefined) continue;
    if (start > done) segments.push({ kind: "text", text: text.slice(done, start) });
    segments.push({ kind: "link", text: candidate, href });
    done = start + candidate.length;
  }
  if (done < text.length) segments.push({ kind: "text", text: text.slice(done) });
  return segments;
}

/** Drops sentence punctuation after a URL; a closing bracket stays when the URL opened it (wiki links). */
function trimTrailing(url: string): string {
  let end = url.length;
  while (end > 0) {
    const last = url.charAt(end - 1);
    const opener = CLOSERS[last];
    if (TRAILING_PUNCTUATION.has(last)) {
      end--;
    } else if (opener !== undefined && count(url.slice(0, end), opener) < count(url.slice(0, end), last)) {
      end--;
    } else {
      break;
    }
  }
  return url.slice(0, end);
}

function count(text: string, char: string): number {
  return text.split(char).length - 1;
}

function safeHref(candidate: string): string | undefined {
  const bare = !/^https?:/i.test(candidate);
  try {
    const url = new URL(bare ? `https://${candidate}` : candidate);
    if (bare && !BARE_HOST.test(url.hostname)) return undefined;
    if ((url.protocol !== "http:" && url.protocol !== "https:") || url.hostname === "") return undefined;
    return url.href;
  } catch {
    return undefined;
  }
}
