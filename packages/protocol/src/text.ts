import { type StringOptions, Type } from "@sinclair/typebox";

/** Text without NUL characters, which PostgreSQL cannot store and nobody means to send. */
export const NO_NUL_PATTERN = "^[^\\u0000]*$";

export const Text = (options: StringOptions = {}) => Type.String({ ...options, pattern: NO_NUL_PATTERN });

/**
 * Whether `s` is well-formed Unicode: no lone UTF-16 surrogate. A lone surrogate cannot be
 * written as UTF-8, so every database driver stores something else (U+FFFD, or several), and
 * what is stored no longer equals what was sent: the server refuses such text at its edges.
 */
export function isWellFormedText(s: string): boolean {
  // String.prototype.isWellFormed: ES2024 (Node 20, current browsers); the lib here is ES2023.
  // The SDK also runs in older browsers, which get the same answer from a regular expression.
  const native = (s as unknown as { isWellFormed?: () => boolean }).isWellFormed;
  return native ? native.call(s) : !LONE_SURROGATE.test(s);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Where in a parsed JSON value (object keys included) the first string that is not
 * well-formed Unicode sits, as a path like `/member_ids/3`; undefined when every one is.
 * Walks with its own stack, so nesting as deep as a body allows cannot overflow the call stack.
 */
export function illFormedTextAt(value: unknown): string | undefined {
  const stack: [unknown, string][] = [[value, ""]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [v, path] = item;
    if (typeof v === "string") {
      if (!isWellFormedText(v)) return path === "" ? "/" : path;
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${path}/${i}`]);
    } else if (typeof v === "object" && v !== null) {
      const keys = Object.keys(v);
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i] as string;
        if (!isWellFormedText(key)) return `${path === "" ? "/" : path} (a key)`;
        stack.push([(v as Record<string, unknown>)[key], `${path}/${key}`]);
      }
    }
  }
  return undefined;
}
