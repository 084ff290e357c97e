/**
 * Credentials in URLs, hidden from every log line however it was written (a request's URL,
 * a library's message, an error): query values whose name says they hold a secret (`?token=`
 * first of all, also percent-encoded as the server would decode it) and passwords in
 * `scheme://user:password@host`.
 */
const SECRET_PARAMS = new Set([
  "token",
  "access_token",
  "refresh_token",
  "id_token",
  "jwt",
  "auth",
  "authorization",
  "password",
  "passwd",
  "pwd",
  "secret",
  "client_secret",
  "api_key",
  "apikey",
  "key",
  "signature",
  "sig",
]);

// An API key (chat/api-keys.ts) or a bearer credential wherever it appears in a line.
const API_KEY_TEXT = /chatapp_[A-Za-z0-9_-]{20,}/g;
const BEARER = /(Bearer\s+)[^\s"',]+/gi;

const QUERY_PARAM = /([?&;])([^=&;\s"'#?<>]+)=([^&;\s"'#<>]*)/g;
// The scheme's length is bounded so that a long run of letters costs linear time, not quadratic.
const URL_PASSWORD = /([a-z][a-z0-9+.-]{0,30}:\/\/[^\s:/@"']*):([^\s@/"']*)@/gi;

function decodedName(name: string): string {
  try {
    return decodeURIComponent(name.replace(/\+/g, " ")).toLowerCase();
  } catch {
    return name.toLowerCase();
  }
}

export function redactSecrets(text: string): string {
  let out = text;
  if (out.includes("=")) {
    out = out.replace(QUERY_PARAM, (all, sep: string, name: string) =>
      SECRET_PARAMS.has(decodedName(name)) ? `${sep}${name}=[redacted]` : all,
    );
  }
  if (out.includes("@")) out = out.replace(URL_PASSWORD, "$1:[redacted]@");
  if (out.includes("chatapp_")) out = out.replace(API_KEY_TEXT, "[redacted]");
  if (/bearer/i.test(out)) out = out.replace(BEARER, "$1[redacted]");
  return out;
}
