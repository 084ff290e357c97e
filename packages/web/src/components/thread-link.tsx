/** Under a thread root: how many replies it has; opens the thread. */
export function ThreadLink({ count, onOpen }: { count: number; onOpen: () => void }) {
  return (
    <button type="button" className="link thread-link" onClick={onOpen}>
      {count === 1 ? "1 reply" : `${count} replies`}
    </button>
  );
}
