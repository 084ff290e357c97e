import { describeEachDialect, eventually, startSuite, useSuite } from "@chatapp/testkit";
import { expect, it } from "vitest";

describeEachDialect("presence", (dialect) => {
  const suite = useSuite(dialect);

  it("reports online while any connection is open and offline with last_seen after the last closes", async () => {
    const A = 301;
    const B = 302;
    const watcher = await suite().connect(A);
    const b1 = await suite().server.connect(B);
    // Share a conversation, so status updates flow between them.
    watcher.send({ type: "send", receiver_id: B, content: "hello", client_id: "p1" });
    await b1.next((f) => f.type === "message");

    const online = await suite().server.http(`/api/users/status?user_id=${B}`, { userId: A });
    expect(online.body).toEqual([{ user_id: B, status: "online", last_seen: expect.any(String) }]);

    const b2 = await suite().server.connect(B);
    await b1.close();
    await b2.roundTrip();
    expect((await suite().server.http(`/api/users/status?user_id=${B}`, { userId: A })).body[0].status).toBe("online");

    const closedAt = Date.now();
    await b2.close();
    const update = await watcher.next((f) => f.type === "status_update" && f.user_id === B && f.status === "offline");
    expect(update).toMatchObject({ sender_id: B, user_id: B, status: "offline" });
    expect(Math.abs(Date.parse(update.last_seen) - closedAt)).toBeLessThan(5000);
    const offline = await suite().server.http(`/api/users/status?user_id=${B}`, { userId: A });
    expect(offline.body[0]).toEqual({ user_id: B, status: "offline", last_seen: update.last_seen });

    const back = await suite().server.connect(B);
    await watcher.next((f) => f.type === "status_update" && f.user_id === B && f.status === "online");
    await back.close();
  });

  it("sends status_update only to users who share a conversation", async () => {
    const target = await suite().server.connect(311);
    const friend = await suite().connect(312);
    friend.send({ type: "send", receiver_id: 311, content: "hi", client_id: "s1" });
    await target.next((f) => f.type === "message");
    const outsider = await suite().connect(313);
    await target.close();
    // The friend hears of it; the outsider, connected all along, does not.
    await friend.next((f) => f.type === "status_update" && f.user_id === 311 && f.status === "offline");
    await outsider.roundTrip();
    expect(outsider.ofType("status_update").filter((f) => f.user_id === 311)).toHaveLength(0);
  });

  it("lists the caller's and their contacts' statuses, never a stranger's", async () => {
    // 301 shares a conversation with 302 only (the first test); 311 and 312 share one of their own.
    const mine = await suite().server.http("/api/users/status", { userId: 301 });
    expect(mine.status).toBe(200);
    expect(mine.body.map((s: any) => s.user_id)).toEqual([301, 302]);
    expect((await suite().server.http("/api/users/status?user_id=302", { userId: 301 })).body).toHaveLength(1);
    // A stranger answers like a user that does not exist.
    expect((await suite().server.http("/api/users/status?user_id=311", { userId: 301 })).body).toEqual([]);
    expect((await suite().server.http("/api/users/status?user_id=99999", { userId: 301 })).body).toEqual([]);
    expect((await suite().server.http("/api/users/status?user_id=x", { userId: 301 })).status).toBe(400);
  });

  it("still tells contacts of a change whose contacts query failed once (storage hiccup)", async () => {
    const watcher = await suite().connect(331);
    const b = await suite().server.connect(332);
    watcher.send({ type: "send", receiver_id: 332, content: "hi", client_id: "h1" });
    await b.next((f) => f.type === "message");
    // Recorded online before it leaves, or the two changes would merge into none.
    await eventually(async () => (await suite().server.app.chat.presence.statuses(332))[0]?.status === "online");
    await b.close();
    // Contacts now: the watcher hears of 332 going offline.
    await watcher.next((f) => f.type === "status_update" && f.user_id === 332 && f.status === "offline");
    // The next contacts query fails, as one would while the database is briefly away.
    const repo = suite().server.app.chat.conversations.repo;
    const real = repo.contactsOf.bind(repo);
    let failures = 0;
    repo.contactsOf = async (ids) => {
      if (failures++ === 0) throw new Error("storage hiccup");
      return real(ids);
    };
    try {
      const before = watcher.frames.length;
      const back = await suite().server.connect(332);
      // Before the fix this change was dropped: the watcher saw 332 offline for good.
      await watcher.next((f) => f.type === "status_update" && f.user_id === 332 && f.status === "online", 10_000, before);
      expect(failures).toBeGreaterThanOrEqual(2);
      await back.close();
    } finally {
      repo.contactsOf = real;
    }
  });

  it("keeps a connection that answers pings, and drops one that stays silent past the idle timeout", async () => {
    const fast = await startSuite(dialect, {
      configure: (c) => {
        c.ws.pingIntervalMs = 100;
        c.ws.idleTimeoutMs = 300;
      },
    });
    try {
      const alive = await fast.connect(322);
      const s = await fast.connect(321);
      // ws answers pings by itself; a socket that stops answering is dropped.
      (s.ws as any)._receiver.removeAllListeners("ping");
      s.ws.pong = () => {};
      const code = await Promise.race([s.waitClosed(), new Promise((r) => setTimeout(() => r("still open"), 3000))]);
      expect(code).not.toBe("still open");
      // The one that answers pings (ws does so by itself) outlived several idle timeouts.
      expect(alive.ws.readyState).toBe(alive.ws.OPEN);
    } finally {
      await fast.done();
    }
  });
});
