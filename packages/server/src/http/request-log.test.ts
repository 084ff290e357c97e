import { describe, expect, it } from "vitest";
import { redactUrl } from "./request-log.js";

describe("redactUrl", () => {
  it("hides token values however the key is spelled", () => {
    expect(redactUrl("/ws?token=abc.def.ghi")).toBe("/ws?token=[redacted]");
    expect(redactUrl("/ws?%74oken=abc.def")).toBe("/ws?token=[redacted]");
    expect(redactUrl("/ws?TOKEN=abc&x=1")).toBe("/ws?TOKEN=[redacted]&x=1");
    expect(redactUrl("/ws?a=1&token=x&token=y")).toBe("/ws?a=1&token=[redacted]&token=[redacted]");
  });

  it("leaves URLs without a token as they are", () => {
    expect(redactUrl("/api/messages/history?user_id=2&limit=5")).toBe("/api/messages/history?user_id=2&limit=5");
    expect(redactUrl("/health")).toBe("/health");
  });
});
