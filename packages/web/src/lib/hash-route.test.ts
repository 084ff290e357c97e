import { describe, expect, it } from "vitest";
import { parseRoute, routeHash } from "./hash-route.js";

describe("hash routes", () => {
  it("round-trips conversations and focused messages", () => {
    for (const route of [{}, { conversationId: 7 }, { conversationId: 7, focusSeq: 42 }]) {
      expect(parseRoute(routeHash(route))).toEqual(route);
    }
  });

  it("ignores anything else", () => {
    expect(parseRoute("#/c/x")).toEqual({});
    expect(parseRoute("")).toEqual({});
  });
});
