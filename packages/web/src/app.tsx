import { useCallback, useState } from "react";
import { clearSession, loadSession, type Session, saveSession } from "./auth/session-storage.js";
import { ChatScreen } from "./components/chat-screen.js";
import { LoginScreen } from "./components/login-screen.js";

/** Logged out: the login screen. Logged in: the chat, until logout or an expired token. */
export function App() {
  const [session, setSession] = useState<Session | undefined>(loadSession);
  const [notice, setNotice] = useState<string>();

  const onAuthenticated = useCallback((next: Session) => {
    saveSession(next);
    setNotice(undefined);
    setSession(next);
  }, []);

  const onEnded = useCallback((reason?: string) => {
    clearSession();
    setNotice(reason);
    setSession(undefined);
  }, []);

  if (!session) return <LoginScreen notice={notice} onAuthenticated={onAuthenticated} />;
  return <ChatScreen key={session.token} session={session} onEnded={onEnded} />;
}
