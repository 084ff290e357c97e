import { describe, expect, it } from "vitest";
import { withinLimit } from "./attachment-limit.js";

describe("withinLimit", () => {
  it("takes everything while there is room", () => {
    expect(withinLimit(2, ["a", "b"])).toEqual({ accepted: ["a", "b"], note: undefined });
  });

  it("takes the first ones up to 10 in all and says how many were left out", () => {
    expect(withinLimit(8, ["a", "b", "c", "d"])).toEqual({
      accepted: ["a", "b"],
      note: "At most 10 files per message: 2 files were left out.",
    });
    expect(withinLimit(10, ["a"])).toEqual({ accepted: [], note: "At most 10 files per message: 1 file was left out." });
  });
});
