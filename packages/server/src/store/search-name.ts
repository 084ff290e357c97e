/** The `users.search_name` column's length (migration 002), in characters (code points). */
export const SEARCH_NAME_MAX_CHARS = 200;

/**
 * What the user directory matches against: username and display name, lower-cased (Unicode).
 * NFC and lower-casing can lengthen text (U+FB2C becomes three code points), so a display name
 * within its own limit may not fit the column: the end is cut, in code points, and the user
 * stays findable by username and by the start of the display name.
 */
export function searchName(username: string | null, displayName: string | null): string | null {
  const text = [username, displayName].filter(Boolean).join(" ").normalize("NFC").toLowerCase();
  if (text === "") return null;
  if (text.length <= SEARCH_NAME_MAX_CHARS) return text;
  return [...text].slice(0, SEARCH_NAME_MAX_CHARS).join("");
}
