import type { Attachment } from "@chatapp/protocol";
import { describe, expect, it } from "vitest";
import { fitBox, isPicture } from "./image-box.js";

describe("fitBox", () => {
  it("scales a wide or tall image down into 320×320, keeping its aspect ratio", () => {
    expect(fitBox(800, 400)).toEqual({ width: 320, height: 160 });
    expect(fitBox(400, 1000)).toEqual({ width: 128, height: 320 });
    expect(fitBox(1000, 1000)).toEqual({ width: 320, height: 320 });
  });

  it("never scales a small image up", () => {
    expect(fitBox(120, 80)).toEqual({ width: 120, height: 80 });
  });

  it("keeps at least a pixel of a very thin image", () => {
    expect(fitBox(10_000, 2)).toEqual({ width: 320, height: 1 });
  });
});

describe("isPicture", () => {
  const base: Attachment = { id: 1, url: "/api/uploads/1", name: "a.png", content_type: "image/png", size: 10 };

  it("is an image with a size and a thumbnail", () => {
    expect(isPicture({ ...base, width: 2, height: 3, thumbnail_url: "/api/uploads/1/thumbnail" })).toBe(true);
  });

  it("is not an image without a thumbnail (too large to decode), nor a PDF", () => {
    expect(isPicture({ ...base, width: 20_000, height: 20_000 })).toBe(false);
    expect(isPicture({ ...base, content_type: "application/pdf", width: 2, height: 3, thumbnail_url: "/t" })).toBe(false);
  });
});
