import { describe, expect, it } from "vitest";
import { parseSize } from "./upload.js";

describe("upload --size", () => {
  it("reads bytes, KiB and MiB", () => {
    expect(parseSize("1048576")).toBe(1024 * 1024);
    expect(parseSize("1MiB")).toBe(1024 * 1024);
    expect(parseSize("64kib")).toBe(64 * 1024);
    expect(parseSize("1024MiB")).toBe(1024 ** 3);
  });

  it("refuses what is not a size from 1 byte to 1024 MiB", () => {
    for (const raw of ["", "0", "-1", "1.5MiB", "1MB", "1GiB", "1025MiB", "abc"]) {
      expect(() => parseSize(raw), raw).toThrow(/--size must be/);
    }
  });
});
