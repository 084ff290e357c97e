/**
 * Reports an error at most once per `intervalMs` per kind, with how many were held back:
 * during an outage every batch fails, and one line per batch would bury everything else.
 */
export function throttledErrorLog(
  log: (err: unknown, message: string) => void,
  intervalMs = 5000,
): (err: unknown, what: string) => void {
  const last = new Map<string, { at: number; suppressed: number }>();
  return (err, what) => {
    const now = Date.now();
    const entry = last.get(what);
    if (entry && now - entry.at < intervalMs) {
      entry.suppressed++;
      return;
    }
    const suppressed = entry?.suppressed ?? 0;
    last.set(what, { at: now, suppressed: 0 });
    log(err, suppressed > 0 ? `${what} (and ${suppressed} more like it since the last report)` : what);
  };
}
