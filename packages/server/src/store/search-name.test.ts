import { isWellFormedText } from "@chatapp/protocol";
import { describe, expect, it } from "vitest";
import { SEARCH_NAME_MAX_CHARS, searchName } from "./search-name.js";

describe("searchName", () => {
  it("lower-cases and normalizes username and display name", () => {
    expect(searchName("emile", "E\u0301mile")).toBe("emile \u00e9mile");
    expect(searchName(null, null)).toBeNull();
  });

  it("fits its column whatever NFC makes of a display name, cutting between code points", () => {
    const grown = searchName("u".repeat(32), "\ufb2c".repeat(64)) as string;
    expect([...grown]).toHaveLength(SEARCH_NAME_MAX_CHARS);
    expect(grown.startsWith(`${"u".repeat(32)} \u05e9\u05bc\u05c1`)).toBe(true);
    const astral = searchName("u".repeat(32), "😀".repeat(200)) as string;
    expect([...astral]).toHaveLength(SEARCH_NAME_MAX_CHARS);
    expect(isWellFormedText(astral)).toBe(true);
  });
});
