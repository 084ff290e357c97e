import { dayLabel, timeLabel } from "./dates.js";

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
const MINUTE_MS = 60_000;

/**
 * "last seen just now", "… 5 minutes ago", "… today at 09:12", "… yesterday at 18:40",
 * "… Monday at 08:00", "… 3 November 2026 at 10:00": minutes while they count, then the day.
 */
export function lastSeenLabel(iso: string, now = new Date()): string {
  const minutes = Math.floor((now.getTime() - new Date(iso).getTime()) / MINUTE_MS);
  if (minutes < 1) return "last seen just now";
  if (minutes < 60) return `last seen ${relative.format(-minutes, "minute")}`;
  const day = dayLabel(iso, now);
  const wording = day === "Today" || day === "Yesterday" ? day.toLowerCase() : day;
  return `last seen ${wording} at ${timeLabel(iso)}`;
}
