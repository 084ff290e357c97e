/** Stored timestamps are epoch milliseconds; the wire shows ISO 8601 UTC with milliseconds. */
export const iso = (ms: number): string => new Date(ms).toISOString();
