import { randomBytes } from "node:crypto";
import { Webhook } from "standardwebhooks";

/**
 * Standard Webhooks signatures (contract §2) for webhook deliveries and the before-send hook,
 * made by the `standardwebhooks` package: `webhook-signature` is
 * `v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>` with `key` the bytes after `whsec_`.
 * Several secrets (rotation) give several space-separated signatures.
 */

export const WEBHOOK_SECRET_PREFIX = "whsec_";
/** The contract's range for a secret's key (bytes, after base64 decoding). */
export const MIN_SECRET_BYTES = 24;
export const MAX_SECRET_BYTES = 64;
/** What generateWebhookSecret draws. */
export const GENERATED_SECRET_BYTES = 32;

export interface WebhookHeaders {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
}

/**
 * Why `secret` is not a valid `whsec_…` secret, or undefined when it is. The message never
 * repeats the secret (it ends up in start-up errors and logs).
 */
export function webhookSecretProblem(secret: string): string | undefined {
  if (!secret.startsWith(WEBHOOK_SECRET_PREFIX)) return `must start with ${WEBHOOK_SECRET_PREFIX}`;
  const encoded = secret.slice(WEBHOOK_SECRET_PREFIX.length);
  // Strict standard base64 with padding: Buffer.from would skip stray characters silently.
  if (encoded.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(encoded)) {
    return `must be ${WEBHOOK_SECRET_PREFIX} followed by standard base64`;
  }
  const key = Buffer.from(encoded, "base64");
  if (key.toString("base64") !== encoded) return `must be ${WEBHOOK_SECRET_PREFIX} followed by standard base64`;
  if (key.length < MIN_SECRET_BYTES || key.length > MAX_SECRET_BYTES) {
    return `must encode ${MIN_SECRET_BYTES}–${MAX_SECRET_BYTES} bytes (it encodes ${key.length})`;
  }
  return undefined;
}

export function isWebhookSecret(secret: string): boolean {
  return webhookSecretProblem(secret) === undefined;
}

/** A new secret: `whsec_` + base64 of 32 random bytes. */
export function generateWebhookSecret(): string {
  return `${WEBHOOK_SECRET_PREFIX}${randomBytes(GENERATED_SECRET_BYTES).toString("base64")}`;
}

export class InvalidWebhookSecretError extends Error {
  constructor(problem: string) {
    super(`webhook secret ${problem}`);
    this.name = "InvalidWebhookSecretError";
  }
}

/** Signs with one secret, or several during a rotation (each gives one signature). */
export class WebhookSigner {
  private readonly signers: Webhook[];

  constructor(secrets: string | readonly string[]) {
    const list = typeof secrets === "string" ? [secrets] : [...secrets];
    if (list.length === 0) throw new InvalidWebhookSecretError("is missing");
    this.signers = list.map((secret) => {
      const problem = webhookSecretProblem(secret);
      if (problem !== undefined) throw new InvalidWebhookSecretError(problem);
      return new Webhook(secret);
    });
  }

  /** The three Standard Webhooks headers for `body`, the exact bytes that will be sent. */
  sign(id: string, timestamp: Date, body: string | Buffer): WebhookHeaders {
    const signatures = this.signers.map((signer) => signer.sign(id, timestamp, body));
    return {
      "webhook-id": id,
      "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
      "webhook-signature": signatures.join(" "),
    };
  }
}
