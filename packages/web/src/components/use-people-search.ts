import type { User } from "@chatapp/protocol";
import { useEffect, useState } from "react";
import { useChat } from "../chat/chat-context.js";

/**
 * People in the directory (GET /api/users) whose name contains `query`, asked 200 ms after
 * the last keystroke; found users' names are kept for the rest of the screen. `status` says
 * "Nobody found." or why the search failed.
 */
export function usePeopleSearch(query: string): { found: User[]; status: string } {
  const chat = useChat();
  const [found, setFound] = useState<User[]>([]);
  const [status, setStatus] = useState("");

  useEffect(() => {
    const text = query.trim();
    if (text === "") {
      setFound([]);
      setStatus("");
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      chat.api.searchUsers(text).then(
        (users) => {
          if (!current) return;
          chat.names.remember(users);
          setFound(users);
          setStatus(users.length === 0 ? "Nobody found." : "");
        },
        (err: unknown) => current && setStatus(err instanceof Error ? err.message : String(err)),
      );
    }, 200);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [chat, query]);

  return { found, status };
}
