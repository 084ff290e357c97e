import { createECDH, randomBytes } from "node:crypto";
import type { PushPayload } from "@chatapp/protocol";
import { eventually } from "@chatapp/testkit";
import type { Page, Worker } from "playwright-core";
import { expect, it } from "vitest";
import { logIn, paneTitle } from "./app-driver.js";
import { axeBothThemes } from "./axe.js";
import { describeInBrowser } from "./browser.js";
import { useWebSuite } from "./web-suite.js";

interface ShownNotification {
  title: string;
  body: string;
  tag: string;
  data: { conversation_id: number; seq: number };
}

/**
 * Web Push in the web client (issue 18), in a real Chromium against a real server: the
 * permission flow in Settings, the service worker's `push` handler (pushes delivered through
 * the DevTools protocol, as the browser's push service would), the page's side of a
 * notification click, and logout ending this browser's subscription. Headless Chromium has no
 * push service (pushManager.subscribe is refused), so one test fakes the browser's
 * pushManager to follow the app's calls to the server; delivery itself is tested at the HTTP
 * level in packages/server/test.
 */
describeInBrowser("web push in Chromium", () => {
  const suite = useWebSuite(
    { alice: "Alice Jones", bob: "Bob Smith", carol: "Carol Diaz" },
    // The faked subscription's endpoint is on this machine.
    { env: { PUSH_ALLOW_PRIVATE_ENDPOINTS: "true" } },
  );

  const settings = (page: Page) => page.getByRole("dialog", { name: "Settings" });
  const openSettings = async (page: Page) => {
    await page.getByRole("button", { name: "Settings" }).click();
    await settings(page).waitFor();
  };
  const turnOnButton = (page: Page) => settings(page).getByRole("button", { name: "Turn on notifications" });
  const onSwitch = (page: Page) => settings(page).getByRole("switch", { name: "Notifications on this device" });
  const subscriptionsOf = async (username: string) =>
    (await suite.server().http("/api/push/subscriptions", { userId: suite.idOf(username) })).body as {
      id: number;
      endpoint: string;
    }[];
  const allowNotifications = (page: Page) => page.context().grantPermissions(["notifications"], { origin: suite.server().url });

  /** The page's registration's notifications, as the page sees them. */
  const notifications = (page: Page) =>
    page.evaluate(`navigator.serviceWorker.ready
      .then((r) => r.getNotifications())
      .then((all) => all.map((n) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data })))`) as Promise<
      ShownNotification[]
    >;

  /** The worker registered for the page's origin, and a way to push to it through the DevTools protocol. */
  const registerWorker = async (page: Page): Promise<{ push: (payload: PushPayload) => Promise<void>; worker: Worker }> => {
    const origin = suite.server().url;
    const context = page.context();
    const started = context.serviceWorkers()[0] ?? context.waitForEvent("serviceworker");
    await page.evaluate("navigator.serviceWorker.register('/sw.js', { scope: '/' }).then(() => navigator.serviceWorker.ready)");
    const cdp = await context.newCDPSession(page);
    const registrationId = new Promise<string>((resolve) => {
      cdp.on("ServiceWorker.workerRegistrationUpdated", ({ registrations }) => {
        const ours = registrations.find((r) => r.scopeURL === `${origin}/` && !r.isDeleted);
        if (ours) resolve(ours.registrationId);
      });
    });
    await cdp.send("ServiceWorker.enable");
    const id = await registrationId;
    const push = async (payload: PushPayload) => {
      await cdp.send("ServiceWorker.deliverPushMessage", {
        origin: `${origin}/`,
        registrationId: id,
        data: JSON.stringify(payload),
      });
    };
    return { worker: await started, push };
  };

  /**
   * Delivers a push until `done` holds (each try waits up to a second). Headless Chromium was
   * seen to drop a DevTools delivery now and then (its answer is the same either way); a push
   * delivered twice changes nothing here, as a notification's tag replaces the one before.
   */
  const pushUntil = async (
    push: (payload: PushPayload) => Promise<void>,
    payload: PushPayload,
    done: () => Promise<boolean>,
    what: string,
  ) => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      await push(payload);
      try {
        await eventually(done, 1000, what);
        return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
      }
    }
  };

  it("asks for the permission only from Settings' button; the worker registers at the root; a refused subscription is said", async () => {
    const alice = await suite.session("alice");
    // Count permission requests from the start of a page load on: loading the app asks none.
    await alice.context().addInitScript(`window.permissionAsks = 0;
      const ask = Notification.requestPermission.bind(Notification);
      Notification.requestPermission = (...args) => { window.permissionAsks++; return ask(...args); };`);
    await alice.reload();
    await alice.getByRole("button", { name: "New chat" }).waitFor();
    expect(await alice.evaluate("window.permissionAsks")).toBe(0);
    expect(await alice.evaluate("navigator.serviceWorker.getRegistration().then((r) => r === undefined)")).toBe(true);
    // The production build serves the worker from the site root, revalidated on every load.
    const worker = await fetch(`${suite.server().url}/sw.js`);
    expect(worker.status).toBe(200);
    expect(worker.headers.get("content-type")).toMatch(/^(text|application)\/javascript/);
    expect(worker.headers.get("cache-control")).toBe("no-cache");

    await allowNotifications(alice);
    await openSettings(alice);
    await turnOnButton(alice).click();
    // Headless Chromium refuses to subscribe (it has no push service): the UI says so and stays off.
    const refused = settings(alice).getByRole("alert");
    await refused.waitFor();
    expect(await refused.textContent()).toMatch(
      /^Could not subscribe with this browser's push service: .+\. Notifications stay off\.$/,
    );
    await turnOnButton(alice).waitFor();
    expect(await alice.evaluate("window.permissionAsks")).toBe(1);
    expect(await alice.evaluate("navigator.serviceWorker.ready.then((r) => [r.scope, r.active && r.active.scriptURL])")).toEqual([
      `${suite.server().url}/`,
      `${suite.server().url}/sw.js`,
    ]);
    expect(await subscriptionsOf("alice")).toEqual([]);
    expect(await axeBothThemes(alice, "settings with a refused subscription")).toEqual([]);
  });

  it("says how to allow notifications again when the site is blocked", async () => {
    const bob = await suite.session("bob");
    const context = bob.context();
    // No "denied" grant exists in Playwright: a page whose Notification says denied stands in.
    await context.addInitScript(`Object.defineProperty(Notification, "permission", { get: () => "denied" });`);
    await bob.reload();
    await openSettings(bob);
    await settings(bob).getByText("Notifications are blocked for this site. To allow them, open the site settings").waitFor();
    await expect(turnOnButton(bob).count()).resolves.toBe(0);
  });

  it("turns on and off against the server; logout, or another user's login, ends this browser's subscription", async () => {
    const alice = await suite.open();
    const p256dh = createECDH("prime256v1");
    p256dh.generateKeys();
    const keys = { p256dh: p256dh.getPublicKey("base64url"), auth: randomBytes(16).toString("base64url") };
    // A pushManager that subscribes without a push service (headless Chromium has none): the
    // endpoint is what the server gets. It lives in sessionStorage, as a real one outlives a reload.
    await alice.context().addInitScript(`(() => {
      const load = (key, fallback) => JSON.parse(sessionStorage.getItem(key) ?? JSON.stringify(fallback));
      const save = (key, value) => sessionStorage.setItem(key, JSON.stringify(value));
      const keys = ${JSON.stringify(keys)};
      const asSubscription = (saved) => saved && {
        endpoint: saved.endpoint,
        options: { applicationServerKey: Uint8Array.from(saved.key).buffer },
        toJSON: () => ({ endpoint: saved.endpoint, expirationTime: null, keys }),
        unsubscribe: async () => {
          save("fake.current", null);
          save("fake.unsubscribed", load("fake.unsubscribed", 0) + 1);
          return true;
        },
      };
      PushManager.prototype.getSubscription = async () => asSubscription(load("fake.current", null));
      PushManager.prototype.subscribe = async (options) => {
        const subscribed = load("fake.subscribed", []);
        const key = Array.from(new Uint8Array(options.applicationServerKey));
        subscribed.push({ key, userVisibleOnly: options.userVisibleOnly });
        save("fake.subscribed", subscribed);
        save("fake.current", { endpoint: "http://127.0.0.1:9/push/" + subscribed.length, key });
        return asSubscription(load("fake.current", null));
      };
    })();`);
    const unsubscribed = () => alice.evaluate("JSON.parse(sessionStorage.getItem('fake.unsubscribed') ?? '0')");
    await alice.reload();
    await logIn(alice, "alice");
    await allowNotifications(alice);
    await openSettings(alice);
    await turnOnButton(alice).click();
    await onSwitch(alice).waitFor();
    expect(await onSwitch(alice).isChecked()).toBe(true);
    const vapid = (await suite.server().http("/api/push/vapid-public-key", { userId: suite.idOf("alice") })).body as {
      public_key: string;
    };
    expect(await alice.evaluate("JSON.parse(sessionStorage.getItem('fake.subscribed'))")).toEqual([
      { key: Array.from(Buffer.from(vapid.public_key, "base64url")), userVisibleOnly: true },
    ]);
    expect((await subscriptionsOf("alice")).map((s) => s.endpoint)).toEqual(["http://127.0.0.1:9/push/1"]);
    expect(await axeBothThemes(alice, "settings with notifications on")).toEqual([]);
    // Still on after a reload: the browser's subscription is the one the server has.
    await alice.reload();
    await openSettings(alice);
    await onSwitch(alice).waitFor();

    // Off: unsubscribed here and forgotten by the server.
    await onSwitch(alice).click();
    await turnOnButton(alice).waitFor();
    expect(await subscriptionsOf("alice")).toEqual([]);
    expect(await unsubscribed()).toBe(1);

    // On again, then logout: another user of this browser must not get Alice's pushes.
    await turnOnButton(alice).click();
    await onSwitch(alice).waitFor();
    expect((await subscriptionsOf("alice")).map((s) => s.endpoint)).toEqual(["http://127.0.0.1:9/push/2"]);
    await alice.keyboard.press("Escape");
    await alice.getByRole("button", { name: "Log out" }).click();
    await alice.getByLabel("Username").waitFor();
    await eventually(async () => (await subscriptionsOf("alice")).length === 0, 5000, "the subscription deleted at logout");
    expect(await unsubscribed()).toBe(2);
    expect(await alice.evaluate("localStorage.getItem('chatapp.push')")).toBe(null);

    // On again; then the session ends without a logout (an expired token) and Bob logs in here:
    // the subscription left behind is ended at his login (the push service then answers 410
    // for it, and the server drops it: Alice's token is gone, so it cannot be deleted now).
    await logIn(alice, "alice");
    await openSettings(alice);
    await turnOnButton(alice).click();
    await onSwitch(alice).waitFor();
    await alice.evaluate("localStorage.removeItem('chatapp.session')");
    await alice.reload();
    await logIn(alice, "bob");
    await eventually(async () => (await unsubscribed()) === 3, 5000, "Alice's subscription ended at Bob's login");
    expect(await alice.evaluate("localStorage.getItem('chatapp.push')")).toBe(null);
    await openSettings(alice);
    await turnOnButton(alice).waitFor();
  }, 40_000);

  it("shows a push as a notification per conversation, replaced by a newer one, closed on clear, none when on screen", async () => {
    const carol = await suite.session("carol");
    await allowNotifications(carol);
    const { push } = await registerWorker(carol);
    const base = { message_id: 1, sender_id: suite.idOf("bob") };
    const byTag = async () => new Map((await notifications(carol)).map((n) => [n.tag, n]));

    const send = (payload: PushPayload, done: () => Promise<boolean>, what: string) => pushUntil(push, payload, done, what);

    await send(
      { ...base, type: "message", conversation_id: 7, seq: 1, sender_name: "Bob Smith", preview: "hi" },
      async () => (await byTag()).has("conversation-7"),
      "the first notification",
    );
    expect((await byTag()).get("conversation-7")).toEqual({
      title: "Bob Smith",
      body: "hi",
      tag: "conversation-7",
      data: { conversation_id: 7, seq: 1 },
    });
    await send(
      { ...base, type: "message", conversation_id: 7, seq: 2, sender_name: "Bob Smith", preview: "again" },
      async () => (await byTag()).get("conversation-7")?.body === "again",
      "the newer notification in its place",
    );
    // A group's, without a preview (PUSH_PREVIEWS=false): the group and the sender, and neutral words.
    await send(
      { ...base, type: "message", conversation_id: 8, seq: 5, sender_name: "Ann", conversation_title: "Launch" },
      async () => (await byTag()).has("conversation-8"),
      "the group's notification",
    );
    expect(await notifications(carol)).toHaveLength(2);
    expect((await byTag()).get("conversation-8")).toEqual({
      title: "Launch: Ann",
      body: "New message",
      tag: "conversation-8",
      data: { conversation_id: 8, seq: 5 },
    });

    // Read elsewhere up to seq 1: the notification names seq 2, so it stays; up to 2, it goes.
    await push({ type: "clear", conversation_id: 7, seq: 1 });
    await send({ type: "clear", conversation_id: 8, seq: 9 }, async () => !(await byTag()).has("conversation-8"), "8 cleared");
    expect([...(await byTag()).keys()]).toEqual(["conversation-7"]);
    await send({ type: "clear", conversation_id: 7, seq: 2 }, async () => (await notifications(carol)).length === 0, "7 cleared");

    // Nothing for the conversation on screen in a focused window.
    const group = await suite.group("alice", "Quiet room", ["carol"]);
    await carol.evaluate(`location.hash = "#/c/${group}"`);
    await paneTitle(carol, "Quiet room").waitFor();
    expect(await carol.evaluate("document.hasFocus() && document.visibilityState")).toBe("visible");
    const onScreen = {
      ...base,
      type: "message",
      conversation_id: group,
      seq: 3,
      sender_name: "Alice Jones",
      preview: "psst",
    } as const;
    await push(onScreen);
    await push(onScreen);
    // Pushed after it and handled the same way: once this one shows, the first was decided.
    await send(
      { ...onScreen, conversation_id: 9 },
      async () => (await notifications(carol)).length > 0,
      "the other conversation's notification",
    );
    expect((await notifications(carol)).map((n) => n.tag)).toEqual(["conversation-9"]);
  });

  it("opens the conversation a clicked notification names, in the open window or by its URL", async () => {
    const group = await suite.group("bob", "Launch plans", ["alice"]);
    const alice = await suite.session("alice");
    const { worker } = await registerWorker(alice);
    // What the worker's notificationclick does with an open window (a click cannot be made in a
    // headless browser): it posts the conversation to the page, which opens it.
    await worker.evaluate(`self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      for (const w of windows) w.postMessage({ type: "chatapp:open-conversation", conversation_id: ${group} });
    })`);
    await paneTitle(alice, "Launch plans").waitFor();
    expect(await alice.evaluate("location.hash")).toBe(`#/c/${group}`);
    // With no window open it opens one at the conversation's address.
    await alice.goto(`${suite.server().url}/`);
    await alice.goto(`${suite.server().url}/#/c/${group}`);
    await paneTitle(alice, "Launch plans").waitFor();
  });
});
