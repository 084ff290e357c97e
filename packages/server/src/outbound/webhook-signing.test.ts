import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import {
  generateWebhookSecret,
  InvalidWebhookSecretError,
  isWebhookSecret,
  WebhookSigner,
  webhookSecretProblem,
} from "./webhook-signing.js";

// The reference vector of the Standard Webhooks test suite (the standardwebhooks package's
// "sign function works" test): a 24-byte secret, the smallest the contract allows.
const VECTOR = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: new Date(1614265330 * 1000),
  body: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};

describe("WebhookSigner", () => {
  it("signs the reference vector exactly", () => {
    const headers = new WebhookSigner(VECTOR.secret).sign(VECTOR.id, VECTOR.timestamp, VECTOR.body);
    expect(headers).toEqual({
      "webhook-id": VECTOR.id,
      "webhook-timestamp": "1614265330",
      "webhook-signature": VECTOR.signature,
    });
    // The same bytes as a Buffer sign the same.
    expect(new WebhookSigner(VECTOR.secret).sign(VECTOR.id, VECTOR.timestamp, Buffer.from(VECTOR.body))).toEqual(headers);
  });

  it("gives one signature per secret during a rotation, each verifiable alone", () => {
    const fresh = generateWebhookSecret();
    const now = new Date();
    const body = JSON.stringify({ type: "message.created", data: { content: "héllo 👋" } });
    const headers = new WebhookSigner([VECTOR.secret, fresh]).sign("evt_1", now, body);
    const parts = headers["webhook-signature"].split(" ");
    expect(parts).toHaveLength(2);
    for (const secret of [VECTOR.secret, fresh]) {
      expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
    }
    // A changed byte of the body fails verification.
    expect(() => new Webhook(fresh).verify(`${body} `, { ...headers })).toThrow();
  });

  it("refuses a malformed secret without repeating it", () => {
    for (const bad of ["", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_", "whsec_not base64!", "whsec_c2hvcnQ="]) {
      let caught: unknown;
      try {
        new WebhookSigner(bad);
      } catch (err) {
        caught = err;
      }
      expect(caught, bad).toBeInstanceOf(InvalidWebhookSecretError);
      if (bad.length > 6) expect((caught as Error).message).not.toContain(bad.slice(6));
    }
    expect(() => new WebhookSigner([])).toThrow(InvalidWebhookSecretError);
  });
});

describe("webhook secrets", () => {
  it("accepts whsec_ + strict base64 of 24–64 bytes", () => {
    const of = (bytes: number) => `whsec_${Buffer.alloc(bytes, 7).toString("base64")}`;
    expect(webhookSecretProblem(VECTOR.secret)).toBeUndefined();
    expect(isWebhookSecret(of(24))).toBe(true);
    expect(isWebhookSecret(of(64))).toBe(true);
    expect(webhookSecretProblem(of(23))).toMatch(/24–64 bytes/);
    expect(webhookSecretProblem(of(65))).toMatch(/24–64 bytes/);
    expect(webhookSecretProblem(of(32).replace("whsec_", "wh_"))).toMatch(/whsec_/);
    // Without padding, with URL-safe characters, or with a stray character: not standard base64.
    expect(isWebhookSecret(of(32).replace(/=+$/, ""))).toBe(false);
    expect(isWebhookSecret(`whsec_${Buffer.alloc(33, 0xfb).toString("base64url")}`)).toBe(false);
    expect(isWebhookSecret(`${of(33)}\n`)).toBe(false);
  });

  it("generates whsec_ + base64 of 32 random bytes, different each time", () => {
    const a = generateWebhookSecret();
    const b = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(a.slice(6), "base64")).toHaveLength(32);
    expect(isWebhookSecret(a)).toBe(true);
    expect(a).not.toBe(b);
  });
});
