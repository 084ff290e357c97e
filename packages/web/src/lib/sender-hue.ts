/** How many sender colours there are (styles.css defines each, light and dark, contrast-checked). */
export const SENDER_HUES = 8;

/**
 * A person's colour in groups, from their user id: the same on every device and after a
 * rename, and different for the people of a small group (ids are handed out in turn).
 */
export function senderHue(userId: number | null): number {
  if (userId === null) return 0;
  return ((userId % SENDER_HUES) + SENDER_HUES) % SENDER_HUES;
}
