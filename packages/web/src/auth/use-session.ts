import { useCallback, useEffect, useState } from "react";
import { clearSession, loadSession, onStoredSessionChange, type Session, saveSession } from "./session-storage.js";

/**
 * Who is logged in, shared by every tab: logging in or out in one tab does the same in the
 * others (the `storage` event). A refreshed token for the same user changes nothing here: the
 * chat reads the stored token when it needs one, so it is not restarted.
 */
export function useSession(): {
  session: Session | undefined;
  notice: string | undefined;
  onAuthenticated: (next: { token: string; user: Session["user"] }) => void;
  onEnded: (reason?: string) => void;
} {
  const [session, setSession] = useState<Session | undefined>(loadSession);
  const [notice, setNotice] = useState<string>();

  const onAuthenticated = useCallback((next: { token: string; user: Session["user"] }) => {
    setNotice(undefined);
    setSession(saveSession(next));
  }, []);

  const onEnded = useCallback((reason?: string) => {
    clearSession();
    setNotice(reason);
    setSession(undefined);
  }, []);

  useEffect(
    () =>
      onStoredSessionChange((stored) => {
        if (stored === undefined) setNotice(undefined);
        setSession((current) => (stored !== undefined && current?.user.id === stored.user.id ? current : stored));
      }),
    [],
  );

  return { session, notice, onAuthenticated, onEnded };
}
