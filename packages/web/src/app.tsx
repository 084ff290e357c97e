import { useSession } from "./auth/use-session.js";
import { ChatScreen } from "./components/chat-screen.js";
import { LoginScreen } from "./components/login-screen.js";

/** Logged out: the login screen. Logged in: the chat, until logout (in any tab) or an expired token. */
export function App() {
  const { session, notice, onAuthenticated, onEnded } = useSession();
  if (!session) return <LoginScreen notice={notice} onAuthenticated={onAuthenticated} />;
  // Keyed by the user, not the token: a refreshed token keeps the chat (and its connection) as it is.
  return <ChatScreen key={session.user.id} session={session} onEnded={onEnded} />;
}
