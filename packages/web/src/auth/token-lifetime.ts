/**
 * How long a JWT was issued for (`exp` − `iat`, in ms), read without checking it (the server
 * checks). Undefined for a token that says neither. Only the difference is used, so a clock
 * that differs from the server's does not move the refresh.
 */
export function tokenLifetimeMs(token: string): number | undefined {
  try {
    const payload = token.split(".")[1] ?? "";
    const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
    const { exp, iat } = JSON.parse(json) as { exp?: unknown; iat?: unknown };
    if (typeof exp !== "number" || typeof iat !== "number" || exp <= iat) return undefined;
    return (exp - iat) * 1000;
  } catch {
    return undefined;
  }
}
