import type { PresenceShown } from "../chat/presence.js";

/** Initials in a circle, and a presence dot for people (not groups). */
export function Avatar({
  name,
  presence,
  size = "normal",
  hue: colour,
}: {
  name: string;
  presence?: PresenceShown | undefined;
  size?: "normal" | "small";
  /** A person's colour, from their id (lib/sender-hue.ts): the same in every place they appear. Groups take one from the name. */
  hue?: number | undefined;
}) {
  return (
    <span className="avatar" data-size={size}>
      <span className="avatar-initials" aria-hidden="true" data-hue={colour ?? hue(name)}>
        {initials(name)}
      </span>
      {presence !== undefined && <PresenceDot presence={presence} />}
    </span>
  );
}

/** Green for online, grey for offline, hollow while unknown (our own connection is down). */
export function PresenceDot({ presence }: { presence: PresenceShown }) {
  return (
    <span className="presence" data-presence={presence}>
      <span className="visually-hidden">{presence === "unknown" ? "presence unknown" : presence}</span>
    </span>
  );
}

function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0], words.at(-1)] : [words[0]];
  return letters
    .map((w) => (w ? [...w][0] : ""))
    .join("")
    .toUpperCase();
}

/** One of eight colours, the same for a name every time (a class, not an inline style: CSP). */
function hue(name: string): number {
  let h = 0;
  for (const ch of name) h = (h * 31 + (ch.codePointAt(0) ?? 0)) >>> 0;
  return h % 8;
}
