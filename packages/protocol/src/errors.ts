/**
 * The one error catalogue: every code the server answers with, on the socket (`error`
 * frames) and over HTTP (`{"error":{code,message}}`), with its HTTP status.
 */
export const ERROR_STATUS = {
  invalid_frame: 400,
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

/** WebSocket close codes the server uses. */
export const CLOSE_CODES = {
  normal: 1000,
  goingAway: 1001,
  policyViolation: 1008,
  frameTooLarge: 1009,
  serverRestarting: 1012,
  overloaded: 1013,
  tokenExpired: 4001,
} as const;
