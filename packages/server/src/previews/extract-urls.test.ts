import { describe, expect, it } from "vitest";
import { extractUrls } from "./extract-urls.js";

describe("extractUrls", () => {
  it("finds http and https URLs as written, trailing punctuation dropped", () => {
    expect(extractUrls("see https://example.com/a, and (http://x.example/b). HTTPS://Y.example!")).toEqual([
      "https://example.com/a",
      "http://x.example/b",
      "HTTPS://Y.example",
    ]);
  });

  it("keeps a closing bracket the URL opened", () => {
    expect(extractUrls("https://en.wikipedia.org/wiki/Foo_(bar)")).toEqual(["https://en.wikipedia.org/wiki/Foo_(bar)"]);
  });

  it("takes the first 3 distinct ones", () => {
    const text = "https://a.example https://a.example https://b.example https://c.example https://d.example";
    expect(extractUrls(text)).toEqual(["https://a.example", "https://b.example", "https://c.example"]);
  });

  it("ignores other schemes, bare www. and broken URLs", () => {
    expect(extractUrls("javascript:alert(1) ftp://f.example www.example.com http:// https://[bad")).toEqual([]);
  });
});
