import { describeEachDialect, useSuite } from "@chatapp/testkit";
import { expect, it } from "vitest";

const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describeEachDialect("messaging", (dialect) => {
  const suite = useSuite(dialect);

  it("delivers a (seed) untyped frame to the receiver in the seed shape", async () => {
    const alice = await suite().connect(101);
    const bob = await suite().connect(102);
    alice.send({ receiver_id: 102, content: "hi bob" });
    const got = await bob.next((f) => f.type === "message" && f.content === "hi bob");
    expect(got).toMatchObject({ type: "message", sender_id: 101, receiver_id: 102, content: "hi bob", status: "sent" });
    expect(got.id).toBeGreaterThan(0);
    expect(got.seq).toBe(1);
    expect(got.conversation_id).toBeGreaterThan(0);
    expect(got.timestamp).toMatch(ISO_MS);
    // The original sent nothing back to the sending socket for an untyped frame.
    await alice.roundTrip();
    expect(alice.ofType("message")).toHaveLength(0);
  });

  it("acks a typed send with client_id after storing it, and the receiver gets the same message", async () => {
    const alice = await suite().connect(111);
    const bob = await suite().connect(112);
    alice.send({ type: "send", receiver_id: 112, content: "typed", client_id: "c-1" });
    const ack = await alice.next((f) => f.type === "ack" && f.client_id === "c-1");
    const msg = await bob.next((f) => f.type === "message" && f.content === "typed");
    expect(ack).toMatchObject({ id: msg.id, conversation_id: msg.conversation_id, seq: msg.seq, timestamp: msg.timestamp });
    expect(msg.client_id).toBe("c-1");
    // Stored before the ack: history has it.
    const page = await suite().server.http(`/api/conversations/${ack.conversation_id}/messages`, { userId: 111 });
    expect(page.body.messages.map((m: any) => m.id)).toContain(ack.id);
  });

  it("stores a repeated client_id once and answers the same ack, also from another connection", async () => {
    const alice = await suite().connect(121);
    const bob = await suite().connect(122);
    alice.send({ type: "send", receiver_id: 122, content: "once", client_id: "dup" });
    const first = await alice.next((f) => f.type === "ack" && f.client_id === "dup");
    alice.send({ type: "send", receiver_id: 122, content: "once", client_id: "dup" });
    await alice.waitForCount("ack", 2);
    const alice2 = await suite().connect(121);
    alice2.send({ type: "send", receiver_id: 122, content: "once", client_id: "dup" });
    const third = await alice2.next((f) => f.type === "ack" && f.client_id === "dup");
    expect(alice.ofType("ack")[1]).toMatchObject({ id: first.id, seq: first.seq });
    expect(third).toMatchObject({ id: first.id, seq: first.seq });
    await bob.roundTrip();
    expect(bob.ofType("message").filter((m) => m.content === "once")).toHaveLength(1);
    const page = await suite().server.http(`/api/conversations/${first.conversation_id}/messages`, { userId: 122 });
    expect(page.body.messages.filter((m: any) => m.client_id === "dup")).toHaveLength(1);
  });

  it("stores a burst of duplicates sent at once a single time", async () => {
    const alice = await suite().connect(125);
    await suite().connect(126);
    for (let i = 0; i < 5; i++) alice.send({ type: "send", receiver_id: 126, content: "burst", client_id: "same" });
    const acks = await alice.waitForCount("ack", 5);
    expect(new Set(acks.map((a) => a.id)).size).toBe(1);
  });

  it("delivers to every device of the receiver and to the sender's other devices", async () => {
    const phone = await suite().connect(131);
    const laptop = await suite().connect(131);
    const bobPhone = await suite().connect(132);
    const bobLaptop = await suite().connect(132);
    phone.send({ type: "send", receiver_id: 132, content: "everywhere", client_id: "e-1" });
    for (const s of [laptop, bobPhone, bobLaptop]) {
      await s.next((f) => f.type === "message" && f.content === "everywhere");
    }
    // The sending socket gets the ack, not a copy; the first device stays connected.
    await phone.next((f) => f.type === "ack");
    await phone.roundTrip();
    expect(phone.ofType("message")).toHaveLength(0);
    expect(phone.ws.readyState).toBe(phone.ws.OPEN);
  });

  it("delivers messages that arrived while the receiver was offline, in order, on connect", async () => {
    const alice = await suite().connect(141);
    await suite().server.http("/api/me", { userId: 142 }); // bob exists but is offline
    for (let i = 1; i <= 20; i++) alice.send({ type: "send", receiver_id: 142, content: `m${i}`, client_id: `o-${i}` });
    await alice.waitForCount("ack", 20);
    const bob = await suite().connect(142);
    const got = await bob.waitForCount("message", 20);
    expect(got.map((m) => m.content)).toEqual(Array.from({ length: 20 }, (_, i) => `m${i + 1}`));
    expect(got.map((m) => m.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(got[0]).toMatchObject({ sender_id: 141, receiver_id: 142 });
    // Delivered once: a second device connecting later does not get them again. Live
    // messages are held until the backlog is out, so once the next live one arrives, any
    // backlog would have arrived before it.
    await alice.next((f) => f.type === "receipt" && f.user_id === 142 && f.delivered_seq === 20);
    const bob2 = await suite().connect(142);
    alice.send({ type: "send", receiver_id: 142, content: "marker", client_id: "o-marker" });
    await bob2.next((f) => f.type === "message" && f.content === "marker");
    expect(bob2.ofType("message").map((m) => m.content)).toEqual(["marker"]);
  });

  it("keeps per-conversation order for many concurrent senders", async () => {
    const bob = await suite().connect(152);
    const senders = await Promise.all([153, 154, 155, 156].map((id) => suite().connect(id)));
    for (let i = 0; i < 25; i++) {
      for (const [k, s] of senders.entries())
        s.send({ type: "send", receiver_id: 152, content: `${k}:${i}`, client_id: `p-${i}` });
    }
    const got = await bob.waitForCount("message", 100);
    for (let k = 0; k < senders.length; k++) {
      const mine = got.filter((m) => m.content.startsWith(`${k}:`));
      expect(mine.map((m) => m.content)).toEqual(Array.from({ length: 25 }, (_, i) => `${k}:${i}`));
      const seqs = mine.map((m) => m.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(new Set(seqs).size).toBe(25);
    }
  });

  it("ignores forged type, sender_id, id and timestamp fields", async () => {
    const alice = await suite().connect(161);
    const bob = await suite().connect(162);
    alice.send({
      receiver_id: 162,
      content: "forged",
      sender_id: 999,
      id: 1,
      timestamp: "2001-01-01T00:00:00.000Z",
      status: "read",
    });
    const got = await bob.next((f) => f.content === "forged");
    expect(got.sender_id).toBe(161);
    expect(got.id).not.toBe(1);
    expect(got.timestamp).not.toBe("2001-01-01T00:00:00.000Z");
    expect(got.status).toBe("sent");
    expect(got.type).toBe("message");
  });

  it("sends to a conversation by id, and refuses a conversation one is not in", async () => {
    const alice = await suite().connect(171);
    const bob = await suite().connect(172);
    const eve = await suite().connect(173);
    alice.send({ type: "send", receiver_id: 172, content: "first", client_id: "k1" });
    const ack = await alice.next((f) => f.type === "ack" && f.client_id === "k1");
    bob.send({ type: "send", conversation_id: ack.conversation_id, content: "reply", client_id: "k2" });
    const reply = await alice.next((f) => f.type === "message" && f.content === "reply");
    expect(reply).toMatchObject({ sender_id: 172, receiver_id: 171, seq: 2 });
    eve.send({ type: "send", conversation_id: ack.conversation_id, content: "intrude", client_id: "k3" });
    const err = await eve.next((f) => f.type === "error");
    expect(err).toMatchObject({ code: "forbidden", client_id: "k3" });
    eve.send({ type: "send", conversation_id: 999999, content: "nowhere", client_id: "k4" });
    const err2 = await eve.next((f) => f.type === "error" && f.client_id === "k4");
    expect(err2.code).toBe("forbidden");
    expect(err2.message).toBe(err.message);
  });

  it("answers ping with pong", async () => {
    const s = await suite().connect(181);
    s.send({ type: "ping" });
    await s.next((f) => f.type === "pong");
  });

  it("sends a ready frame with each conversation's last_seq and the user's cursors", async () => {
    const alice = await suite().connect(191);
    await suite().connect(192);
    alice.send({ type: "send", receiver_id: 192, content: "x", client_id: "r1" });
    const ack = await alice.next((f) => f.type === "ack");
    const again = await suite().connect(191);
    const ready = again.ofType("ready")[0];
    expect(ready).toMatchObject({ user_id: 191 });
    expect(ready?.conversations).toContainEqual(expect.objectContaining({ id: ack.conversation_id, last_seq: 1 }));
  });

  it("treats client ids that differ only in case or trailing space as different sends", async () => {
    const alice = await suite().connect(201);
    const bob = await suite().connect(202);
    for (const id of ["abc", "ABC", "abc ", "Abc"])
      alice.send({ type: "send", receiver_id: 202, content: `id ${id}`, client_id: id });
    const acks = await alice.waitForCount("ack", 4);
    expect(new Set(acks.map((a) => a.id)).size).toBe(4);
    expect(acks.some((a) => a.duplicate)).toBe(false);
    await bob.waitForCount("message", 4);
  });

  it("delivers a large offline backlog completely, in order, without closing the socket", async () => {
    const alice = await suite().connect(211);
    await suite().server.http("/api/me", { userId: 212 });
    const count = 1500;
    const body = "x".repeat(700); // ~1 MB of frames: more than the socket may buffer at once
    for (let i = 1; i <= count; i++) alice.send({ type: "send", receiver_id: 212, content: `${i} ${body}`, client_id: `b${i}` });
    await alice.waitForCount("ack", count, 30_000);
    const bob = await suite().connect(212);
    const got = await bob.waitForCount("message", count, 30_000);
    expect(got.map((m) => m.seq)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    expect(bob.ws.readyState).toBe(bob.ws.OPEN);
    await alice.next((f) => f.type === "receipt" && f.user_id === 212 && f.delivered_seq === count, 10_000);
  });

  it("sends each socket its acks and messages of a conversation in seq order", async () => {
    const alice = await suite().connect(221);
    const bob = await suite().connect(222);
    alice.send({ type: "send", receiver_id: 222, content: "open", client_id: "o" });
    await bob.next((f) => f.type === "message");
    for (let i = 0; i < 100; i++) {
      alice.send({ type: "send", receiver_id: 222, content: `a${i}`, client_id: `a${i}` });
      bob.send({ type: "send", receiver_id: 221, content: `b${i}`, client_id: `b${i}` });
    }
    await alice.waitForCount("ack", 101);
    await bob.waitForCount("ack", 100);
    await alice.waitForCount("message", 100);
    await bob.waitForCount("message", 101);
    for (const socket of [alice, bob]) {
      const seqs = socket.frames.filter((f) => f.type === "ack" || f.type === "message").map((f) => f.seq);
      expect(seqs).toEqual(Array.from({ length: 201 }, (_, i) => i + 1));
    }
  });
});
