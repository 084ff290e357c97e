import { describeEachDialect, useSuite } from "@chatapp/testkit";
import { expect, it } from "vitest";
import { PresenceRepo } from "../src/store/presence-repo.js";

/** Membership changes and edits that race each other, on every database. */
describeEachDialect("concurrent changes", (dialect) => {
  const suite = useSuite(dialect, { env: { GROUP_MAX_MEMBERS: "5" } });
  const http = (...args: Parameters<ReturnType<typeof suite>["server"]["http"]>) => suite().server.http(...args);
  let next = 1400;

  async function group(members: number) {
    const owner = ++next;
    const ids = Array.from({ length: members }, () => ++next);
    for (const id of [owner, ...ids]) await http("/api/me", { userId: id });
    const g = await http("/api/conversations", {
      method: "POST",
      userId: owner,
      json: { kind: "group", title: "Race", member_ids: ids },
    });
    return { id: g.body.id as number, owner, ids };
  }

  it("never leaves a group without an owner when owners leave at the same moment", async () => {
    for (let round = 0; round < 5; round++) {
      const g = await group(2);
      const [second, third] = g.ids as [number, number];
      // Make the second member an owner too: the owner leaves, then promotion makes `second` owner.
      await http(`/api/conversations/${g.id}/members/${g.owner}`, { method: "DELETE", userId: g.owner });
      const g2 = await http(`/api/conversations/${g.id}`, { userId: second });
      expect(g2.body.members.find((m: any) => m.user_id === second).role).toBe("owner");
      await http(`/api/conversations/${g.id}/members`, { method: "POST", userId: second, json: { user_ids: [g.owner] } });
      // Now the only owner and another member leave together; the one who stays must be owner.
      const results = await Promise.all([
        http(`/api/conversations/${g.id}/members/${second}`, { method: "DELETE", userId: second }),
        http(`/api/conversations/${g.id}/members/${g.owner}`, { method: "DELETE", userId: g.owner }),
      ]);
      expect(results.map((r) => r.status)).toEqual([204, 204]);
      const left = await http(`/api/conversations/${g.id}`, { userId: third });
      expect(left.body.members).toEqual([expect.objectContaining({ user_id: third, role: "owner" })]);
    }
  });

  it("adds the same users from concurrent requests without errors, and never past the size limit", async () => {
    const g = await group(1);
    const newcomers = [++next, ++next, ++next, ++next, ++next];
    for (const id of newcomers) await http("/api/me", { userId: id });
    const same = await Promise.all(
      [0, 1, 2].map(() =>
        http(`/api/conversations/${g.id}/members`, {
          method: "POST",
          userId: g.owner,
          json: { user_ids: newcomers.slice(0, 2) },
        }),
      ),
    );
    expect(same.map((r) => r.status)).toEqual([200, 200, 200]);
    const racing = await Promise.all(
      newcomers
        .slice(2)
        .map((id) => http(`/api/conversations/${g.id}/members`, { method: "POST", userId: g.owner, json: { user_ids: [id] } })),
    );
    expect(racing.map((r) => r.status).sort()).toEqual([200, 409, 409]);
    const after = await http(`/api/conversations/${g.id}`, { userId: g.owner });
    expect(after.body.members).toHaveLength(5);
  });

  it("starts newcomers after the messages sent before they joined", async () => {
    const g = await group(1);
    for (let i = 0; i < 3; i++)
      await http(`/api/conversations/${g.id}/messages`, { method: "POST", userId: g.owner, json: { content: `old ${i}` } });
    const newcomer = ++next;
    await http("/api/me", { userId: newcomer });
    await http(`/api/conversations/${g.id}/members`, { method: "POST", userId: g.owner, json: { user_ids: [newcomer] } });
    const list = await http("/api/conversations", { userId: newcomer });
    expect(list.body[0]).toMatchObject({ id: g.id, unread_count: 0 });
    const socket = await suite().connect(newcomer);
    await http(`/api/conversations/${g.id}/messages`, { method: "POST", userId: g.owner, json: { content: "welcome" } });
    await socket.next((f) => f.type === "message" && f.content === "welcome");
    // Only what came after joining: the system message announcing it, and the welcome.
    expect(socket.ofType("message").map((m) => m.system?.event ?? m.content)).toEqual(["member_joined", "welcome"]);
  });

  it("never brings deleted content back when an edit races a delete", async () => {
    const g = await group(1);
    for (let i = 0; i < 10; i++) {
      const m = await http(`/api/conversations/${g.id}/messages`, {
        method: "POST",
        userId: g.owner,
        json: { content: "original" },
      });
      const [edit, del] = await Promise.all([
        http(`/api/messages/${m.body.id}`, { method: "PATCH", userId: g.owner, json: { content: "edited" } }),
        http(`/api/messages/${m.body.id}`, { method: "DELETE", userId: g.owner }),
      ]);
      expect([200, 409]).toContain(edit.status);
      expect(del.status).toBe(200);
      const page = await http(`/api/conversations/${g.id}/messages?after_seq=${m.body.seq - 1}&limit=1`, { userId: g.owner });
      expect(page.body.messages[0]).toMatchObject({ content: "", deleted: true });
    }
  });

  it("reads the presence of more users than one query may name", async () => {
    const ids = Array.from({ length: 70_000 }, (_, i) => i + 1);
    const rows = await new PresenceRepo(suite().server.app.store).list(ids);
    expect(rows.length).toBeGreaterThan(0);
  });
});

describeEachDialect("search words", (dialect) => {
  const suite = useSuite(dialect);
  const http = (...args: Parameters<ReturnType<typeof suite>["server"]["http"]>) => suite().server.http(...args);

  it("finds messages whatever common or short words the query also has, in any script", async () => {
    await http("/api/me", { userId: 1502 });
    const c = (await http("/api/conversations", { method: "POST", userId: 1501, json: { kind: "direct", user_id: 1502 } })).body
      .id;
    for (const content of ["the wombat sleeps", "नमस्ते दुनिया", "Émile écrit à Иван"]) {
      await http(`/api/conversations/${c}/messages`, { method: "POST", userId: 1501, json: { content } });
    }
    const found = async (q: string) =>
      (await http(`/api/search?q=${encodeURIComponent(q)}`, { userId: 1502 })).body.messages.map((m: any) => m.content);
    expect(await found("the wombat")).toEqual(["the wombat sleeps"]);
    expect(await found("नमस्ते")).toEqual(["नमस्ते दुनिया"]);
    expect(await found("иван")).toEqual(["Émile écrit à Иван"]);
    const tooMany = await http(`/api/search?q=${encodeURIComponent(Array.from({ length: 17 }, (_, i) => `w${i}x`).join(" "))}`, {
      userId: 1502,
    });
    expect(tooMany.status).toBe(400);
  });

  it("finds users by names in any script, ignoring case, and refuses a blank query", async () => {
    await http("/api/auth/register", {
      method: "POST",
      json: { username: "emile_u", password: "password1", display_name: "Émile Zola" },
    });
    await http("/api/auth/register", {
      method: "POST",
      json: { username: "ivan_u", password: "password1", display_name: "Иван Петров" },
    });
    const names = async (q: string) =>
      (await http(`/api/users?query=${encodeURIComponent(q)}`, { userId: 1501 })).body.map((u: any) => u.username);
    expect(await names("ÉMILE")).toEqual(["emile_u"]);
    expect(await names("иван")).toEqual(["ivan_u"]);
    expect((await http("/api/users?query=%20%20%20", { userId: 1501 })).status).toBe(400);
  });
});
