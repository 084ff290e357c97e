import { describe, expect, it } from "vitest";
import { base64UrlToBytes } from "./base64url.js";

/** The reference encoding, from the platform's own base64. */
function toBase64Url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

describe("base64UrlToBytes", () => {
  it("decodes the URL-safe alphabet, with or without padding", () => {
    const bytes = Uint8Array.from([0xfb, 0xff, 0xbf, 0x00, 0x41]);
    const base64url = toBase64Url(bytes);
    expect(base64url).toBe("-_-_AEE");
    expect(base64UrlToBytes(base64url)).toEqual(bytes);
    expect(base64UrlToBytes(`${base64url}=`)).toEqual(bytes);
  });

  it("gives a 65-byte P-256 point back whole", () => {
    const point = Uint8Array.from({ length: 65 }, (_, i) => (i === 0 ? 4 : (i * 37) % 256));
    expect(base64UrlToBytes(toBase64Url(point))).toEqual(point);
  });

  it("refuses what is not base64url", () => {
    expect(() => base64UrlToBytes("a+b/")).toThrow("not base64url");
    expect(() => base64UrlToBytes("a b")).toThrow("not base64url");
  });
});
