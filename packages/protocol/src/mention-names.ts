/**
 * `@username` in a message's text (contract §7): an `@` at the start or after a character
 * that is not a letter, digit, `_`, `.`, `-` or `@`, then the longest run of
 * `[A-Za-z0-9_.-]` with its trailing `.` and `-` dropped. Names are matched ignoring case, so
 * they are answered lower-cased. Shared by the server (who is mentioned) and clients
 * (what to highlight), so both read a text the same way.
 */

/** One `@name` in a text: where it starts (the `@`), where it ends, and the name lower-cased. */
export interface MentionSpan {
  /** UTF-16 index of the `@`. */
  start: number;
  /** UTF-16 index just past the name (its dropped trailing `.`/`-` excluded). */
  end: number;
  name: string;
}

// The lookbehind reads one code point (`u`), so a letter outside the BMP counts as a letter.
const MENTION = /(?<![\p{L}\p{N}_.\-@])@([A-Za-z0-9_.-]+)/gu;

/** Every `@name` of `text`, in order. */
export function mentionSpans(text: string): MentionSpan[] {
  const spans: MentionSpan[] = [];
  for (const match of text.matchAll(MENTION)) {
    const name = (match[1] as string).replace(/[.-]+$/, "");
    if (name === "") continue;
    const start = match.index as number;
    spans.push({ start, end: start + 1 + name.length, name: name.toLowerCase() });
  }
  return spans;
}

/** The distinct names `text` mentions, lower-cased, in the order first written. */
export function mentionedNames(text: string): string[] {
  return [...new Set(mentionSpans(text).map((s) => s.name))];
}
