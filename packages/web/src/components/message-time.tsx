import { fullDateTime, timeLabel } from "../lib/dates.js";

/**
 * A message's time: the hour on screen, the whole date on hover (title) and for screen
 * readers (hidden text, first, so that the text reads "message, date" and never runs the
 * message's last digits into the hour).
 */
export function MessageTime({ iso }: { iso: string }) {
  const full = fullDateTime(iso);
  return (
    <time dateTime={iso} title={full}>
      <span className="visually-hidden">{full}</span>
      <span aria-hidden="true">{timeLabel(iso)}</span>
    </time>
  );
}
