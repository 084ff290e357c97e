import type { AuthResponse } from "@chatapp/protocol";
import { requestJson } from "./http.js";

export interface Credentials {
  username: string;
  password: string;
  displayName?: string;
}

/** Logs in or registers; both answer with a token and the user. */
export function authenticate(mode: "login" | "register", credentials: Credentials): Promise<AuthResponse> {
  const body: Record<string, string> = { username: credentials.username, password: credentials.password };
  if (mode === "register" && credentials.displayName) body.display_name = credentials.displayName;
  return requestJson<AuthResponse>("POST", `/api/auth/${mode}`, { body });
}
