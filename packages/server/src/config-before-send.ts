import { webhookSecretProblem } from "./outbound/webhook-signing.js";

/** BEFORE_SEND_* (contract §2, §6): the before-send hook, or undefined when BEFORE_SEND_URL is unset. */
export interface BeforeSendSettings {
  url: string;
  /** BEFORE_SEND_SECRET, else WEBHOOK_SECRET (`whsec_…`). */
  secret: string;
  /** BEFORE_SEND_TIMEOUT_MS: 100–10,000, default 2000; bounds the whole check. */
  timeoutMs: number;
  /** BEFORE_SEND_FAILURE: what a failed call means for the message. */
  failure: "allow" | "reject";
}

/**
 * Reads the BEFORE_SEND_* variables; each bad one is added to `problems`, named. A secret is
 * never repeated in a problem.
 */
export function parseBeforeSend(
  get: (name: string) => string | undefined,
  int: (name: string, fallback: number, min: number, max: number) => number,
  problems: string[],
): BeforeSendSettings | undefined {
  const url = get("BEFORE_SEND_URL");
  const timeoutMs = int("BEFORE_SEND_TIMEOUT_MS", 2000, 100, 10_000);
  const failureRaw = (get("BEFORE_SEND_FAILURE") ?? "allow").toLowerCase();
  let failure: "allow" | "reject" = "allow";
  if (failureRaw === "allow" || failureRaw === "reject") failure = failureRaw;
  else problems.push(`BEFORE_SEND_FAILURE: must be allow or reject (got "${get("BEFORE_SEND_FAILURE")}")`);
  const ownSecret = get("BEFORE_SEND_SECRET");
  const secretName = ownSecret !== undefined ? "BEFORE_SEND_SECRET" : "WEBHOOK_SECRET";
  const secret = ownSecret ?? get("WEBHOOK_SECRET");
  if (url === undefined) {
    if (ownSecret !== undefined) problems.push("BEFORE_SEND_SECRET: has no effect without BEFORE_SEND_URL; set both or neither");
    return undefined;
  }
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || (parsed.protocol !== "http:" && parsed.protocol !== "https:") || parsed.hostname === "") {
    problems.push(`BEFORE_SEND_URL: must be an http(s) URL like https://app.example.com/chat/before-send`);
  }
  if (secret === undefined) {
    problems.push(
      "BEFORE_SEND_SECRET: required with BEFORE_SEND_URL (or set WEBHOOK_SECRET): whsec_ + base64 of 24–64 random bytes",
    );
    return undefined;
  }
  const problem = webhookSecretProblem(secret);
  if (problem !== undefined) problems.push(`${secretName}: ${problem}`);
  return { url, secret, timeoutMs, failure };
}
