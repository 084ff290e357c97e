import { LIMITS } from "@chatapp/protocol";

/**
 * The files a message can still take: the first ones picked, up to `max` in all, and a note
 * on how many were left out (undefined when none were).
 */
export function withinLimit<T>(
  current: number,
  picked: readonly T[],
  max: number = LIMITS.maxAttachments,
): { accepted: T[]; note: string | undefined } {
  const room = Math.max(0, max - current);
  const accepted = picked.slice(0, room);
  const left = picked.length - accepted.length;
  if (left === 0) return { accepted, note: undefined };
  return { accepted, note: `At most ${max} files per message: ${left === 1 ? "1 file was" : `${left} files were`} left out.` };
}
