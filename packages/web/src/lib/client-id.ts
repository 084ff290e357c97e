/**
 * A send's client_id, made before the send so the pending bubble and the stored message can
 * be matched: 128 random bits as hex (crypto.getRandomValues works on plain http too).
 */
export function newClientId(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
