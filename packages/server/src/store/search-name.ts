/** What the user directory matches against: username and display name, lower-cased (Unicode). */
export function searchName(username: string | null, displayName: string | null): string | null {
  const text = [username, displayName].filter(Boolean).join(" ").normalize("NFC").toLowerCase();
  return text === "" ? null : text;
}
