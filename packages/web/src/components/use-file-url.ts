import { useEffect, useState } from "react";
import { useChat } from "../chat/chat-context.js";

/**
 * An object URL of a sent file (an attachment's `url` or `thumbnail_url`), fetched with the
 * token while the component shows it (chat/upload-files.ts says why not `?token=`).
 */
export function useFileUrl(path: string | undefined): { url?: string; error?: string } {
  const chat = useChat();
  const [state, setState] = useState<{ path: string; url?: string; error?: string }>();
  useEffect(() => {
    if (path === undefined) return;
    let live = true;
    // A failed fetch keeps no entry to release.
    let held = true;
    chat.files.acquire(path).then(
      (url) => {
        if (live) setState({ path, url });
      },
      (err: unknown) => {
        held = false;
        if (live) setState({ path, error: err instanceof Error ? err.message : "The file could not be loaded." });
      },
    );
    return () => {
      live = false;
      if (held) chat.files.release(path);
    };
  }, [chat, path]);
  return state && state.path === path ? state : {};
}
