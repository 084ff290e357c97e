/** Shown while scrolled up from the end: back to the newest message, with how many arrived since. */
export function JumpToLatest({ newCount, onJump }: { newCount: number; onJump: () => void }) {
  const label = newCount > 0 ? `Jump to latest, ${newCount} new ${newCount === 1 ? "message" : "messages"}` : "Jump to latest";
  return (
    <button type="button" className="jump-to-latest" onClick={onJump} aria-label={label}>
      {newCount > 0 && <span className="jump-count">{newCount} new</span>}
      <span aria-hidden="true">↓</span>
    </button>
  );
}
