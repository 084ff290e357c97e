import { describe, expect, it } from "vitest";
import { mentionedNames, mentionSpans } from "./mention-names.js";

describe("@username in text (contract §7)", () => {
  it("finds a name at the start and after punctuation or space, ignoring case", () => {
    expect(mentionedNames("@bob hi")).toEqual(["bob"]);
    expect(mentionedNames("look @Bob, and (@carol)")).toEqual(["bob", "carol"]);
    expect(mentionedNames("hi\n@dave!")).toEqual(["dave"]);
  });

  it("ignores an @ inside a word: mail@bob, x_@bob, a.@bob, é@bob, @@bob", () => {
    for (const text of ["mail@bob", "x_@bob", "a.@bob", "a-@bob", "é@bob", "1@bob", "@@bob", "𝐀@bob"]) {
      expect(mentionedNames(text), text).toEqual([]);
    }
  });

  it("takes the longest run of [A-Za-z0-9_.-] and drops its trailing dots and dashes", () => {
    expect(mentionedNames("@bob.")).toEqual(["bob"]);
    expect(mentionedNames("@bob-.-")).toEqual(["bob"]);
    expect(mentionedNames("@b.o-b_1 yes")).toEqual(["b.o-b_1"]);
    expect(mentionedNames("@bob's")).toEqual(["bob"]);
    expect(mentionedNames("@bobé")).toEqual(["bob"]);
  });

  it("gives nothing for an @ with no name, and each name once", () => {
    expect(mentionedNames("@ @. @- @")).toEqual([]);
    expect(mentionedNames("@bob @BOB @bob")).toEqual(["bob"]);
  });

  it("gives the span of each mention, the @ included and dropped trailing characters excluded", () => {
    expect(mentionSpans("hey @Bob., ok")).toEqual([{ start: 4, end: 8, name: "bob" }]);
    expect(mentionSpans("😀 @al")).toEqual([{ start: 3, end: 6, name: "al" }]);
  });
});
