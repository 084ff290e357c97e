/** Limits that are part of the wire contract: clients may rely on them. */
export const LIMITS = {
  /** Longest message content, in Unicode code points. */
  maxContentChars: 4000,
  /** Largest text frame answered with a `too_large` error (socket stays open). */
  maxFrameBytes: 16 * 1024,
  /** Longest `client_id`. */
  maxClientIdChars: 64,
  /** History page size: default and maximum. */
  defaultHistoryLimit: 50,
  maxHistoryLimit: 1000,
  /** Most uploads one message carries (contract §2). */
  maxAttachments: 10,
} as const;
