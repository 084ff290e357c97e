import { describe, expect, it } from "vitest";
import { ChatClientError } from "./errors.js";
import { pushSubscriptionBody } from "./push-subscription.js";

const keys = { p256dh: "BPk", auth: "c2VjcmV0" };

describe("pushSubscriptionBody", () => {
  it("keeps a browser's toJSON() as it is", () => {
    const json = { endpoint: "https://push.example/abc", expirationTime: null, keys };
    expect(pushSubscriptionBody(json)).toEqual(json);
  });

  it("refuses a subscription without an endpoint or a key, naming what is missing", () => {
    for (const [json, missing] of [
      [{ keys }, "endpoint"],
      [{ endpoint: "https://push.example/abc" }, "keys.p256dh, keys.auth"],
      [{ endpoint: "https://push.example/abc", keys: { p256dh: "BPk" } }, "keys.auth"],
      [{ endpoint: "", keys: { p256dh: "", auth: "x" } }, "endpoint, keys.p256dh"],
    ] as const) {
      let thrown: unknown;
      try {
        pushSubscriptionBody(json);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(ChatClientError);
      expect((thrown as ChatClientError).code).toBe("invalid_request");
      expect((thrown as ChatClientError).message).toBe(`the push subscription has no ${missing}`);
    }
  });
});
