import { describe, expect, it } from "vitest";
import { tokenLifetimeMs } from "./token-lifetime.js";

const jwt = (payload: object) =>
  `e30.${btoa(JSON.stringify(payload)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_")}.sig`;

describe("tokenLifetimeMs", () => {
  it("is exp minus iat", () => {
    expect(tokenLifetimeMs(jwt({ sub: "1", iat: 1000, exp: 1000 + 86_400 }))).toBe(86_400_000);
  });

  it("is undefined for a token without both claims, or not a token", () => {
    expect(tokenLifetimeMs(jwt({ sub: "1", exp: 5 }))).toBeUndefined();
    expect(tokenLifetimeMs("not a token")).toBeUndefined();
  });
});
