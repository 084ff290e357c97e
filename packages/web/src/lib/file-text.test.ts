import { ChatClientError } from "@chatapp/client";
import { describe, expect, it } from "vitest";
import { fileKind, formatSize, uploadErrorText } from "./file-text.js";

describe("formatSize", () => {
  it("shows bytes below 1 KB, one decimal below 10 of a unit, whole numbers above", () => {
    expect(formatSize(0)).toBe("0 B");
    expect(formatSize(999)).toBe("999 B");
    expect(formatSize(1000)).toBe("1 KB");
    expect(formatSize(4500)).toBe("4.5 KB");
    expect(formatSize(48_213)).toBe("48 KB");
    expect(formatSize(1_048_576)).toBe("1 MB");
    expect(formatSize(1_234_567)).toBe("1.2 MB");
    expect(formatSize(26_214_400)).toBe("26 MB");
    expect(formatSize(5 * 1024 ** 3)).toBe("5.4 GB");
  });

  it("never shows 1000 of a unit: the next one instead", () => {
    expect(formatSize(999_999)).toBe("1 MB");
    expect(formatSize(999_400)).toBe("999 KB");
  });

  it("reads nonsense as nothing rather than NaN", () => {
    expect(formatSize(Number.NaN)).toBe("0 B");
    expect(formatSize(-5)).toBe("0 B");
  });
});

describe("fileKind", () => {
  it("names the common types and falls back to the extension", () => {
    expect(fileKind("application/pdf", "plan.pdf")).toBe("PDF document");
    expect(fileKind("text/plain; charset=utf-8", "notes.txt")).toBe("Text file");
    expect(fileKind("image/png", "a.png")).toBe("PNG image");
    expect(fileKind("application/octet-stream", "backup.tar.gz")).toBe("GZ file");
    expect(fileKind("application/octet-stream", "README")).toBe("File");
  });
});

describe("uploadErrorText", () => {
  it("says how large a file may be, from the server's message", () => {
    const err = new ChatClientError("too_large", "the file is larger than 1048576 bytes (UPLOAD_MAX_BYTES)");
    expect(uploadErrorText(err)).toBe("too large (max 1 MB)");
  });

  it("says how much quota is left, or just too large", () => {
    const quota = new ChatClientError(
      "too_large",
      "the file does not fit in your storage quota (UPLOAD_QUOTA_BYTES, 2500 bytes left)",
    );
    expect(uploadErrorText(quota)).toBe("too large for your storage (2.5 KB left)");
    expect(uploadErrorText(new ChatClientError("too_large", "no"))).toBe("too large");
  });

  it("words network trouble plainly", () => {
    expect(uploadErrorText(new ChatClientError("network", "upload failed: network error"))).toBe("could not reach the server");
    expect(uploadErrorText(new Error("boom"))).toBe("upload failed");
  });
});
