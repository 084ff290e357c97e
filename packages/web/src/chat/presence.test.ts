import { describe, expect, it } from "vitest";
import { initialState } from "./chat-state.js";
import { presenceOf } from "./presence.js";

const me = { id: 1, username: "alice", display_name: "Alice", bot: false };
const state = { ...initialState(me), presence: new Map([[2, "online" as const]]) };

describe("presenceOf", () => {
  it("is what the server said while connected, and unknown for someone it never mentioned", () => {
    const open = { ...state, connection: "open" as const };
    expect(presenceOf(open, 2)).toBe("online");
    expect(presenceOf(open, 1)).toBe("online");
    expect(presenceOf(open, 3)).toBe("unknown");
  });

  it("is unknown for everyone while our own connection is down", () => {
    expect(presenceOf({ ...state, connection: "reconnecting" }, 2)).toBe("unknown");
    expect(presenceOf({ ...state, connection: "reconnecting" }, 1)).toBe("unknown");
  });
});
