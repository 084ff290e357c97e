import { useEffect, useRef, useState } from "react";
import { useChat } from "../chat/chat-context.js";
import { withinLimit } from "../lib/attachment-limit.js";

export interface DraftUploads {
  /** Upload keys of the files chosen for the next message, in the order chosen. */
  keys: readonly string[];
  /** Why some chosen files were left out (the 10-file limit). */
  note: string | undefined;
  /** Starts uploading files (picked, dropped or pasted), as many as the limit lets in. */
  add(files: readonly File[]): void;
  /** Cancels one (its upload stops). */
  remove(key: string): void;
  /** Hands the files to a message being sent: they are no longer drafts. */
  take(): string[];
}

/**
 * The files chosen for the message being written in one conversation. Their uploads start at
 * once; the ones not sent when the conversation closes are cancelled, as its text is dropped.
 */
export function useDraftUploads(): DraftUploads {
  const chat = useChat();
  const [keys, setKeys] = useState<readonly string[]>([]);
  const [note, setNote] = useState<string>();
  const current = useRef<readonly string[]>(keys);

  useEffect(
    () => () => {
      for (const key of current.current) chat.uploads.cancel(key);
      current.current = [];
    },
    [chat],
  );

  const change = (next: readonly string[]) => {
    current.current = next;
    setKeys(next);
  };

  return {
    keys,
    note,
    add(files) {
      const { accepted, note } = withinLimit(current.current.length, files);
      change([...current.current, ...accepted.map((file) => chat.uploads.start(file))]);
      setNote(note);
    },
    remove(key) {
      chat.uploads.cancel(key);
      change(current.current.filter((k) => k !== key));
      setNote(undefined);
    },
    take() {
      const taken = [...current.current];
      change([]);
      setNote(undefined);
      return taken;
    },
  };
}
