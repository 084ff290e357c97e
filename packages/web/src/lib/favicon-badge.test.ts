import { describe, expect, it } from "vitest";
import { faviconHref, faviconSvg, tabTitle } from "./favicon-badge.js";

describe("tab title and favicon badge", () => {
  it("puts the unread count before the name, and nothing when all is read", () => {
    expect(tabTitle(0)).toBe("ChatApp");
    expect(tabTitle(3)).toBe("(3) ChatApp");
  });

  it("draws a badge with the count only when something is unread, 9+ past nine", () => {
    expect(faviconSvg(0)).not.toContain("<text");
    expect(faviconSvg(4)).toContain(">4</text>");
    expect(faviconSvg(12)).toContain(">9+</text>");
  });

  it("is a data URL the page's policy allows", () => {
    expect(faviconHref(2)).toMatch(/^data:image\/svg\+xml,%3Csvg/);
    expect(decodeURIComponent(faviconHref(2).slice("data:image/svg+xml,".length))).toBe(faviconSvg(2));
  });
});
