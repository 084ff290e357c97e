import { describe, expect, it } from "vitest";
import { isOneEmoji } from "./emoji.js";

describe("isOneEmoji", () => {
  it.each([["👍"], ["👍🏽"], ["👩‍👩‍👧‍👦"], ["🏳️‍🌈"], ["🇫🇷"], ["1️⃣"], ["❤️"], ["🫠"], ["🏴󠁧󠁢󠁳󠁣󠁴󠁿"]])("takes %s", (emoji) => {
    expect(isOneEmoji(emoji)).toBe(true);
  });

  it.each([[""], ["a"], ["ok"], ["#"], ["1"], ["👍👍"], ["👍 "], [" 👍"], ["a👍"], ["❤"], ["©"], ["\u{1F3FD}x"]])(
    "refuses %j",
    (text) => {
      expect(isOneEmoji(text)).toBe(false);
    },
  );
});
