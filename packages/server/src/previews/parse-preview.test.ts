import { describe, expect, it } from "vitest";
import { cleanText, cut, parsePreview, resolveHttpUrl } from "./parse-preview.js";

const PAGE = "https://example.com/blog/post?id=1";

const html = (head: string, body = "") => `<!doctype html><html><head>${head}</head><body>${body}</body></html>`;

describe("parsePreview", () => {
  it("reads Open Graph tags", () => {
    const page = html(`
      <title>Fallback</title>
      <meta property="og:title" content="The &amp; title">
      <meta property="og:description" content="What it is about">
      <meta name="description" content="Not this one">
      <meta property="og:image" content="https://cdn.example.com/a.png">
      <meta property="og:site_name" content="Example">`);
    expect(parsePreview(page, PAGE)).toEqual({
      title: "The & title",
      description: "What it is about",
      image_url: "https://cdn.example.com/a.png",
      site_name: "Example",
    });
  });

  it("falls back from og:title to twitter:title to <title>", () => {
    expect(parsePreview(html(`<meta name="twitter:title" content="Tweet title"><title>T</title>`), PAGE)?.title).toBe(
      "Tweet title",
    );
    expect(parsePreview(html("<title>  Plain\n\t title  </title>"), PAGE)?.title).toBe("Plain title");
    // An empty og:title does not hide the next source.
    expect(parsePreview(html(`<meta property="og:title" content="  "><title>Real</title>`), PAGE)?.title).toBe("Real");
  });

  it("falls back from og:description to meta description", () => {
    const preview = parsePreview(html(`<title>T</title><meta name="Description" content="Meta &lt;desc&gt;">`), PAGE);
    expect(preview).toEqual({ title: "T", description: "Meta <desc>" });
  });

  it("gives nothing without a title", () => {
    expect(parsePreview(html(`<meta property="og:description" content="only this">`), PAGE)).toBeUndefined();
    expect(parsePreview(html("<title>   </title>"), PAGE)).toBeUndefined();
    expect(parsePreview("", PAGE)).toBeUndefined();
    expect(parsePreview("just text, no html", PAGE)).toBeUndefined();
  });

  it("resolves a relative og:image against the page's address", () => {
    const rel = (src: string) =>
      parsePreview(html(`<title>T</title><meta property="og:image" content="${src}">`), PAGE)?.image_url;
    expect(rel("/img/a.png")).toBe("https://example.com/img/a.png");
    expect(rel("b.png")).toBe("https://example.com/blog/b.png");
    expect(rel("//cdn.example.net/c.png")).toBe("https://cdn.example.net/c.png");
    expect(rel("javascript:alert(1)")).toBeUndefined();
    expect(rel("data:image/png;base64,AAAA")).toBeUndefined();
    expect(rel("https://user:pw@example.com/x.png")).toBeUndefined();
  });

  it("takes the first of repeated tags and ignores a <title> inside an SVG", () => {
    const page = html(
      `<meta property="og:title" content="First"><meta property="og:title" content="Second">`,
      "<svg><title>icon</title></svg>",
    );
    expect(parsePreview(page, PAGE)?.title).toBe("First");
    expect(parsePreview(html("", "<svg><title>icon</title></svg><title>Late</title>"), PAGE)?.title).toBe("Late");
  });

  it("cuts the title at 300 and the description at 1,000 code points", () => {
    const longTitle = "😀".repeat(400);
    const longDescription = "d".repeat(2000);
    const preview = parsePreview(
      html(`<meta property="og:title" content="${longTitle}"><meta name="description" content="${longDescription}">`),
      PAGE,
    );
    expect(Array.from(preview?.title ?? "")).toHaveLength(300);
    expect(preview?.title).toBe("😀".repeat(300));
    expect(preview?.description).toHaveLength(1000);
  });

  it("makes texts well-formed: lone surrogates and control characters do not survive", () => {
    // A lone surrogate in the text, a control character raw and as an entity, a surrogate entity.
    const preview = parsePreview(html("<title>a\uD800b&#x1;c\u0007d &#xD800;e</title>"), PAGE);
    expect(preview?.title).toBe("a\uFFFDbcd \uFFFDe");
  });

  it("copes with broken markup", () => {
    expect(parsePreview("<html><head><title>Unclosed", PAGE)?.title).toBe("Unclosed");
    expect(parsePreview(`<META PROPERTY="OG:TITLE" CONTENT="Loud">`, PAGE)?.title).toBe("Loud");
    expect(parsePreview(`<meta property=og:title content=Bare>`, PAGE)?.title).toBe("Bare");
  });
});

describe("text helpers", () => {
  it("cleanText collapses white space of every kind and trims", () => {
    expect(cleanText("  a\u00A0\u2003b\r\n c  ")).toBe("a b c");
  });
  it("cut never splits a surrogate pair", () => {
    expect(cut("a😀b", 2)).toBe("a😀");
    expect(cut("short", 10)).toBe("short");
  });
  it("resolveHttpUrl keeps only absolute http(s) URLs", () => {
    expect(resolveHttpUrl(" /x ", "http://h.example/a/b")).toBe("http://h.example/x");
    expect(resolveHttpUrl("ftp://h.example/x", "http://h.example/")).toBeUndefined();
    expect(resolveHttpUrl(`/${"x".repeat(5000)}`, "http://h.example/")).toBeUndefined();
  });
});
