/** The `@name` being typed: where its `@` is, where the caret is, and what follows the `@`. */
export interface MentionQuery {
  start: number;
  end: number;
  query: string;
}

// An `@` where the server reads a mention (start, or after a character that is not a letter,
// digit, `_`, `.`, `-` or `@`), then the name typed so far, up to the caret.
const TYPING = /(?:^|[^\p{L}\p{N}_.\-@])@([A-Za-z0-9_.-]{0,32})$/u;

/** The mention being typed just before `caret`, if any. */
export function mentionQueryAt(text: string, caret: number): MentionQuery | undefined {
  const match = TYPING.exec(text.slice(0, caret));
  if (!match) return undefined;
  const query = match[1] as string;
  return { start: caret - query.length - 1, end: caret, query };
}
