import { describe, expect, it } from "vitest";
import type { ConversationInfo, ConversationsRepo } from "../store/conversations-repo.js";
import { ConversationCache } from "./conversation-cache.js";

describe("ConversationCache", () => {
  it("does not keep a member list read before a removal", async () => {
    let release: (info: ConversationInfo) => void = () => {};
    const repo = {
      info: () => new Promise<ConversationInfo>((resolve) => (release = resolve)),
    } as unknown as ConversationsRepo;
    const cache = new ConversationCache(repo);
    const slow = cache.get(7); // reads the old member list, slowly
    cache.dropMember(7, 3); // meanwhile user 3 is removed
    release({ id: 7, kind: "group", title: "t", memberIds: [1, 2, 3], ownerIds: [1] });
    await slow;
    expect(cache.peek(7)).toBeUndefined();
  });

  it("drops a member from the cached list at once", async () => {
    const repo = {
      info: async () => ({ id: 7, kind: "group", title: "t", memberIds: [1, 2, 3], ownerIds: [1, 3] }),
    } as unknown as ConversationsRepo;
    const cache = new ConversationCache(repo);
    await cache.get(7);
    cache.dropMember(7, 3);
    expect(cache.peek(7)).toMatchObject({ memberIds: [1, 2], ownerIds: [1] });
    expect(await cache.forMember(7, 3)).toBeUndefined();
  });
});
