/**
 * Which server subscription this browser's push subscription is, and whose: kept in
 * localStorage so turning notifications off, logging out, or another user logging in on the
 * same browser can remove the right one. One browser has at most one push subscription per
 * site, so one record is enough.
 */
export interface PushRecord {
  user_id: number;
  /** The subscription's id on the server (`DELETE /api/push/subscriptions/:id`). */
  id: number;
  endpoint: string;
}

const KEY = "chatapp.push";

export function loadPushRecord(): PushRecord | undefined {
  try {
    const parsed = JSON.parse(localStorage.getItem(KEY) ?? "null") as Partial<PushRecord> | null;
    if (typeof parsed?.user_id !== "number" || typeof parsed.id !== "number" || typeof parsed.endpoint !== "string") {
      return undefined;
    }
    return parsed as PushRecord;
  } catch {
    return undefined;
  }
}

export function savePushRecord(record: PushRecord): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(record));
  } catch {
    // Storage refused (private mode): logout still unsubscribes the browser, which ends pushes.
  }
}

export function clearPushRecord(): void {
  try {
    localStorage.removeItem(KEY);
  } catch {
    // As above.
  }
}
