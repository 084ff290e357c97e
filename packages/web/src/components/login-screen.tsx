import { authenticate, ChatClientError } from "@chatapp/client";
import { type FormEvent, useId, useState } from "react";
import type { Session } from "../auth/session-storage.js";

type Mode = "login" | "register";

/** Log in, or create an account; either way the server answers with a token. */
export function LoginScreen({ notice, onAuthenticated }: { notice?: string | undefined; onAuthenticated: (s: Session) => void }) {
  const [mode, setMode] = useState<Mode>("login");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const ids = useId();

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const field = (name: string) => String(form.get(name) ?? "");
    setBusy(true);
    setError(undefined);
    try {
      const { token, user } = await authenticate(mode, {
        username: field("username").trim(),
        password: field("password"),
        displayName: field("displayName").trim(),
      });
      onAuthenticated({ token, user });
    } catch (err) {
      const unreachable = err instanceof ChatClientError && err.code === "network";
      setError(
        unreachable
          ? "The server cannot be reached. Check your connection and try again."
          : err instanceof Error
            ? err.message
            : String(err),
      );
      setBusy(false);
    }
  }

  const registering = mode === "register";
  return (
    <main className="auth">
      <form className="auth-card" onSubmit={submit} aria-labelledby={`${ids}-title`}>
        <p className="brand" aria-hidden="true">
          ChatApp
        </p>
        <h1 id={`${ids}-title`}>{registering ? "Create your account" : "Log in"}</h1>
        {notice && (
          <p className="notice" role="status">
            {notice}
          </p>
        )}
        <label htmlFor={`${ids}-username`}>Username</label>
        <input
          id={`${ids}-username`}
          name="username"
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          required
          minLength={3}
          maxLength={32}
          aria-describedby={registering ? `${ids}-username-hint` : undefined}
        />
        {registering && (
          <p className="hint" id={`${ids}-username-hint`}>
            3 to 32 letters, digits, “_”, “.” or “-”.
          </p>
        )}
        {registering && (
          <>
            <label htmlFor={`${ids}-display`}>
              Display name <span className="optional">(optional)</span>
            </label>
            <input id={`${ids}-display`} name="displayName" autoComplete="nickname" maxLength={64} />
          </>
        )}
        <label htmlFor={`${ids}-password`}>Password</label>
        <input
          id={`${ids}-password`}
          name="password"
          type="password"
          autoComplete={registering ? "new-password" : "current-password"}
          required
          minLength={registering ? 8 : 1}
          aria-describedby={registering ? `${ids}-password-hint` : undefined}
        />
        {registering && (
          <p className="hint" id={`${ids}-password-hint`}>
            At least 8 characters.
          </p>
        )}
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {registering ? "Create account" : "Log in"}
        </button>
        <p className="switch">
          {registering ? "Already have an account?" : "New here?"}{" "}
          <button
            type="button"
            className="link"
            onClick={() => {
              setMode(registering ? "login" : "register");
              setError(undefined);
            }}
          >
            {registering ? "Log in" : "Create an account"}
          </button>
        </p>
      </form>
    </main>
  );
}
