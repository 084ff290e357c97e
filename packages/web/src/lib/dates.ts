/** Dates as the UI shows them, in the reader's time zone and language. */

const time = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const weekday = new Intl.DateTimeFormat(undefined, { weekday: "long" });
const shortDate = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short" });
const longDate = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "long", year: "numeric" });
const fullDate = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "short" });

const DAY_MS = 86_400_000;

/** The local calendar day of a timestamp, e.g. "2026-11-23": messages are grouped by it. */
export function dayKey(iso: string): string {
  const d = new Date(iso);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/** A day separator's text: Today, Yesterday, a weekday within the week, else the date. */
export function dayLabel(iso: string, now = new Date()): string {
  const days = daysBetween(new Date(iso), now);
  if (days === 0) return "Today";
  if (days === 1) return "Yesterday";
  if (days > 1 && days < 7) return weekday.format(new Date(iso));
  return longDate.format(new Date(iso));
}

export function timeLabel(iso: string): string {
  return time.format(new Date(iso));
}

/** The whole date and time, e.g. "Thursday, 3 December 2026 at 07:02": a timestamp's tooltip. */
export function fullDateTime(iso: string): string {
  return fullDate.format(new Date(iso));
}

/** In the conversation list: the time for today, else a short date. */
export function whenLabel(iso: string, now = new Date()): string {
  return daysBetween(new Date(iso), now) === 0 ? time.format(new Date(iso)) : shortDate.format(new Date(iso));
}

function daysBetween(then: Date, now: Date): number {
  const start = (d: Date) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  return Math.round((start(now) - start(then)) / DAY_MS);
}
