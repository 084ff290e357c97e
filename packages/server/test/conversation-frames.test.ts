import { describeEachDialect, useSuite } from "@chatapp/testkit";
import { expect, it } from "vitest";

describeEachDialect("typing and read frames", (dialect) => {
  const suite = useSuite(dialect);

  async function pair(a: number, b: number) {
    const sa = await suite().connect(a);
    const sb = await suite().connect(b);
    sa.send({ type: "send", receiver_id: b, content: "one", client_id: "1" });
    sa.send({ type: "send", receiver_id: b, content: "two", client_id: "2" });
    sa.send({ type: "send", receiver_id: b, content: "three", client_id: "3" });
    const acks = await sa.waitForCount("ack", 3);
    await sb.waitForCount("message", 3);
    return { sa, sb, conversationId: acks[0]?.conversation_id as number };
  }

  it("relays typing to the other member only, at most once per 2 s per user and conversation", async () => {
    const { sa, sb, conversationId } = await pair(701, 702);
    const aDevice2 = await suite().connect(701);
    for (let i = 0; i < 5; i++) sa.send({ type: "typing", conversation_id: conversationId });
    await sb.next((f) => f.type === "typing");
    await sa.roundTrip();
    await sb.roundTrip();
    expect(sb.ofType("typing")).toEqual([{ type: "typing", conversation_id: conversationId, user_id: 701 }]);
    expect(sa.ofType("typing")).toHaveLength(0);
    expect(aDevice2.ofType("typing")).toHaveLength(0);
  });

  it("moves the read cursor forward only, clamped to the last message, and tells both sides", async () => {
    const { sa, sb, conversationId } = await pair(711, 712);
    sb.send({ type: "read", conversation_id: conversationId, seq: 2 });
    await sa.next((f) => f.type === "receipt" && f.user_id === 712 && f.read_seq === 2);
    sb.send({ type: "read", conversation_id: conversationId, seq: 1 }); // backwards: ignored
    sb.send({ type: "read", conversation_id: conversationId, seq: 1_000_000 }); // beyond the end: clamped to 3
    const receipt = await sa.next((f) => f.type === "receipt" && f.user_id === 712 && f.read_seq === 3);
    expect(receipt.delivered_seq).toBe(3);
    // The reader's other devices hear of it too (their unread count clears).
    await sb.next((f) => f.type === "receipt" && f.user_id === 712 && f.read_seq === 3);
    const list = await suite().server.http("/api/conversations", { userId: 712 });
    expect(list.body[0]).toMatchObject({ read_seq: 3, unread_count: 0 });
    const history = await suite().server.http(`/api/messages/history?user_id=712&limit=3`, { userId: 711 });
    expect(history.body.map((m: any) => m.status)).toEqual(["read", "read", "read"]);
  });

  it("counts unread messages above a partial read, and pages the conversation list by limit", async () => {
    const { sb, conversationId } = await pair(721, 722);
    sb.send({ type: "read", conversation_id: conversationId, seq: 1 });
    await sb.next((f) => f.type === "receipt" && f.read_seq === 1);
    await pair(723, 722);
    const all = await suite().server.http("/api/conversations", { userId: 722 });
    expect(all.body.map((c: any) => c.unread_count)).toEqual([3, 2]);
    const one = await suite().server.http("/api/conversations?limit=1", { userId: 722 });
    expect(one.body).toHaveLength(1);
    expect(one.body[0].members.map((m: any) => m.user_id).sort()).toEqual([722, 723]);
    expect((await suite().server.http("/api/conversations?limit=0", { userId: 722 })).status).toBe(400);
  });
});
