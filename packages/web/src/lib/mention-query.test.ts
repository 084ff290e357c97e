import { describe, expect, it } from "vitest";
import { mentionQueryAt } from "./mention-query.js";

describe("mentionQueryAt", () => {
  it("finds the @name before the caret, at the start or after a space or punctuation", () => {
    expect(mentionQueryAt("@bo", 3)).toEqual({ start: 0, end: 3, query: "bo" });
    expect(mentionQueryAt("hi (@", 5)).toEqual({ start: 4, end: 5, query: "" });
    expect(mentionQueryAt("hi @bob and", 7)).toEqual({ start: 3, end: 7, query: "bob" });
  });

  it("finds nothing inside a word, after the name, or past a space", () => {
    expect(mentionQueryAt("mail@bo", 7)).toBeUndefined();
    expect(mentionQueryAt("hi @bob ", 8)).toBeUndefined();
    expect(mentionQueryAt("@@bo", 4)).toBeUndefined();
    expect(mentionQueryAt("no at", 5)).toBeUndefined();
  });
});
