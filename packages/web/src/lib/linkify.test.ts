import { describe, expect, it } from "vitest";
import { splitLinks } from "./linkify.js";

describe("splitLinks", () => {
  it("leaves text without links alone", () => {
    expect(splitLinks("hello <b>world</b>")).toEqual([{ kind: "text", text: "hello <b>world</b>" }]);
  });

  it("finds http and https links between words", () => {
    expect(splitLinks("see https://example.com/a?b=1 and http://x.org")).toEqual([
      { kind: "text", text: "see " },
      { kind: "link", text: "https://example.com/a?b=1", href: "https://example.com/a?b=1" },
      { kind: "text", text: " and " },
      { kind: "link", text: "http://x.org", href: "http://x.org/" },
    ]);
  });

  it("keeps sentence punctuation out of the link", () => {
    expect(splitLinks("go to https://example.com/page.")).toEqual([
      { kind: "text", text: "go to " },
      { kind: "link", text: "https://example.com/page", href: "https://example.com/page" },
      { kind: "text", text: "." },
    ]);
    expect(splitLinks("(https://example.com)")[1]).toMatchObject({ text: "https://example.com" });
  });

  it("keeps a closing bracket the URL opened", () => {
    const url = "https://en.wikipedia.org/wiki/Chat_(software)";
    expect(splitLinks(`${url}!`)[0]).toEqual({ kind: "link", text: url, href: url });
  });

  it("never links other schemes", () => {
    for (const text of ["javascript:alert(1)", "data:text/html,<script>", "JaVaScRiPt://x.org/%0aalert(1)", "ftp://x.org"]) {
      expect(splitLinks(text).every((s) => s.kind === "text")).toBe(true);
    }
  });

  it("stops at quotes and angle brackets, so markup around a URL stays text", () => {
    expect(splitLinks('<a href="https://evil.example">x</a>')).toEqual([
      { kind: "text", text: '<a href="' },
      { kind: "link", text: "https://evil.example", href: "https://evil.example/" },
      { kind: "text", text: '">x</a>' },
    ]);
  });

  it("finds a link glued to text after it only up to white space", () => {
    expect(splitLinks("https://a.example/x\nnext line")).toEqual([
      { kind: "link", text: "https://a.example/x", href: "https://a.example/x" },
      { kind: "text", text: "\nnext line" },
    ]);
  });

  it("links a bare www. address to https, keeping the text as typed", () => {
    expect(splitLinks("see www.example.org for details")).toEqual([
      { kind: "text", text: "see " },
      { kind: "link", text: "www.example.org", href: "https://www.example.org/" },
      { kind: "text", text: " for details" },
    ]);
    expect(splitLinks("WWW.Example.org/Path?q=1.")).toEqual([
      { kind: "link", text: "WWW.Example.org/Path?q=1", href: "https://www.example.org/Path?q=1" },
      { kind: "text", text: "." },
    ]);
    expect(splitLinks("(www.example.org/wiki/A_(b))")[1]).toMatchObject({
      text: "www.example.org/wiki/A_(b)",
      href: "https://www.example.org/wiki/A_(b)",
    });
  });

  it("does not link www. inside a word, an address or a path, nor a www. without a domain", () => {
    for (const text of [
      "foo.www.example.org",
      "me@www.example.org",
      "/www.example.org",
      "awww.example.org",
      "www.",
      "www.example",
      "www..org",
    ]) {
      expect(splitLinks(text).every((s) => s.kind === "text")).toBe(true);
    }
  });

  it("does not take the www. of a URL that already has a scheme twice", () => {
    expect(splitLinks("https://www.example.org")).toEqual([
      { kind: "link", text: "https://www.example.org", href: "https://www.example.org/" },
    ]);
  });
});
