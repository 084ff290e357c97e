import type { Reaction } from "@chatapp/protocol";

/**
 * A message's reactions under its bubble: one chip per emoji with its count, pressed when the
 * user is among those who reacted; a click adds or takes back the user's own.
 */
export function ReactionChips(props: { reactions: readonly Reaction[]; onToggle: (emoji: string, add: boolean) => void }) {
  return (
    // A group of buttons, not a list: the message is a list item, and tests and screen readers
    // count those.
    <fieldset className="reactions" aria-label="Reactions">
      {props.reactions.map((r) => (
        <button
          key={r.emoji}
          type="button"
          className="reaction"
          aria-pressed={r.me === true}
          aria-label={`${r.emoji} ${r.count}`}
          title={r.me ? "Take back your reaction" : "React with this too"}
          onClick={() => props.onToggle(r.emoji, r.me !== true)}
        >
          <span aria-hidden="true">{r.emoji}</span>
          <span className="reaction-count" aria-hidden="true">
            {r.count}
          </span>
        </button>
      ))}
    </fieldset>
  );
}
