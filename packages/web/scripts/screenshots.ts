/**
 * Screenshots of the web client for the README: `npm run screenshots -w @chatapp/web`.
 * Starts a server on a temporary SQLite database, tells a small story through the HTTP API and
 * the SDK (two friends, a group trip), and photographs the main screens in headless Chromium
 * into docs/screenshots/.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { ChatClient } from "@chatapp/client";
import type { Page } from "playwright-core";
import { conversationLink, logIn, message, openConversation, paneTitle } from "../test/app-driver.js";
import { launchChromium } from "../test/chromium.js";
import { backdate, directConversation, sendMany } from "../test/seed.js";
import { ensureWebBuilt } from "../test/web-build.js";
import { startLocalServer } from "./local-server.js";

const OUT = resolve(import.meta.dirname, "../../../docs/screenshots");
const DESKTOP = { width: 800, height: 600 };
/** Wide enough for the members panel beside the messages. */
const WIDE = { width: 960, height: 600 };
const PHONE = { width: 390, height: 720 };

ensureWebBuilt();
const server = await startLocalServer("chatapp-screenshots-");
const { app, api, port, url, register } = server;

/** A user who is online (a Node SDK client), to show presence, typing and read ticks. */
async function online(userId: number): Promise<ChatClient> {
  const client = new ChatClient({ url: `ws://127.0.0.1:${port}/ws`, token: () => app.tokens.sign(userId) });
  await client.connect();
  return client;
}

const PNGQUANT = "/usr/bin/pngquant";
if (!existsSync(PNGQUANT)) console.warn(`${PNGQUANT} is missing: screenshots stay uncompressed (apt-get install -y pngquant)`);

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

try {
  const alice = await register("alice", "Alice Martin");
  const bob = await register("bob", "Bob Chen");
  const carol = await register("carol", "Carol Diaz");
  const dave = await register("dave", "Dave Okafor");
  const erin = await register("erin", "Erin Walsh");

  const withDave = await directConversation(api, dave, alice);
  await sendMany(api, dave, withDave, ["Thanks for lending me the pump yesterday!"]);
  await sendMany(api, alice, withDave, ["Anytime. Keep it for the weekend."]);

  const { body: group } = await api.http("/api/conversations", {
    method: "POST",
    userId: alice,
    json: { kind: "group", title: "Weekend trip", member_ids: [bob, carol, erin] },
  });
  await sendMany(api, carol, group.id, ["I booked the cabin for Friday and Saturday night!"]);
  await sendMany(api, erin, group.id, ["Who is bringing the board games?"]);
  await sendMany(api, alice, group.id, ["Me, and the good coffee.", "Carol, is there a fire pit?"]);
  await sendMany(api, bob, group.id, ["I'll drive. Room for three and a lot of snacks."]);

  const withBob = await directConversation(api, bob, alice);
  await sendMany(api, bob, withBob, ["Did you get the photos from Saturday?"]);
  await sendMany(api, alice, withBob, ["Yes! The one at the lighthouse is my favourite."]);
  backdate(server.dbPath, withBob, [1, 2], 1);
  await sendMany(api, bob, withBob, ["Here is the route for Sunday's ride: https://example.com/rides/coast-loop"]);
  await sendMany(api, alice, withBob, ["Looks great. How long is it?"]);
  await sendMany(api, bob, withBob, ["62 km, mostly flat,\none climb at the end 😅"]);
  await sendMany(api, alice, withBob, ["Count me in. Coffee stop at the harbour?"]);

  const withCarol = await directConversation(api, carol, alice);
  await sendMany(api, carol, withCarol, ["Can you send me the cabin address?"]);

  // Alice read Erin's first two messages; the rest wait under the unread divider.
  const withErin = await directConversation(api, erin, alice);
  await sendMany(api, erin, withErin, ["Are you coming to the climbing gym on Thursday?", "I can lend you shoes."]);
  await sendMany(api, alice, withErin, ["Yes, 7 pm works. Size 39, thanks!"]);
  await sendMany(api, erin, withErin, [
    "Great, I'll book us a slot.",
    "They opened the new bouldering wall 🧗",
    "Also: Bob says he'll come along if he finishes work early.",
  ]);

  // Bob and Carol are online; Bob has read all but Alice's last message; Carol and Erin read the group.
  const bobClient = await online(bob);
  const carolClient = await online(carol);
  bobClient.markRead(withBob, 5);
  carolClient.markRead(group.id, 6);
  const read = (userId: number, conversationId: number, seq: number) =>
    api.http(`/api/conversations/${conversationId}/read`, { method: "POST", userId, json: { seq } });
  await read(erin, group.id, 4);
  await read(alice, group.id, 5);
  await read(alice, withDave, 2);
  await read(alice, withErin, 3);
  await pause(300);

  mkdirSync(OUT, { recursive: true });
  const browser = await launchChromium();
  const shoot = async (page: Page, name: string) => {
    // Connection banners, focus rings and hover effects are not part of the picture.
    if ((await page.locator(".banner").count()) > 0) await page.locator(".banner:empty").waitFor({ state: "attached" });
    await page.evaluate("document.activeElement && document.activeElement.blur()");
    await page.mouse.move(0, 0);
    const path = join(OUT, `${name}.png`);
    await page.screenshot({ path });
    // Fewer colours, a third of the bytes, no visible difference (Debian's pngquant, if installed).
    if (existsSync(PNGQUANT)) spawnSync(PNGQUANT, ["--force", "--skip-if-larger", "--quality=65-90", "--output", path, path]);
    console.log(`${path} (${Math.round(statSync(path).size / 1024)} KB)`);
  };
  const open = async (viewport: { width: number; height: number }, colorScheme: "light" | "dark" = "light") => {
    const context = await browser.newContext({ viewport, deviceScaleFactor: 1, colorScheme });
    const page = await context.newPage();
    await page.goto(`${url}/`);
    return page;
  };

  const login = await open({ width: 800, height: 600 });
  await login.getByLabel("Username").waitFor();
  await shoot(login, "login");

  const desktop = await open(DESKTOP);
  await logIn(desktop, "alice");
  await openConversation(desktop, "Bob Chen");
  await message(desktop, "Count me in").waitFor();
  bobClient.typing(withBob);
  await desktop.getByText("Bob Chen is typing…").waitFor();
  await shoot(desktop, "chat");

  await desktop.setViewportSize(WIDE);
  await openConversation(desktop, "Weekend trip");
  await desktop.getByRole("button", { name: "Members" }).click();
  await desktop
    .getByText(/Seen by/)
    .first()
    .waitFor();
  await shoot(desktop, "group");

  await desktop.setViewportSize(DESKTOP);
  await openConversation(desktop, "Erin Walsh");
  await desktop.getByText("Unread messages").waitFor();
  await shoot(desktop, "unread");

  // Dark mode, as a system set to dark shows it (Settings can also pin it).
  const dark = await open(WIDE, "dark");
  await logIn(dark, "alice");
  await openConversation(dark, "Weekend trip");
  await message(dark, "I'll drive").waitFor();
  await shoot(dark, "chat-dark");

  const phone = await open(PHONE);
  await logIn(phone, "alice");
  await conversationLink(phone, "Carol Diaz").waitFor();
  await shoot(phone, "phone-list");
  await openConversation(phone, "Bob Chen");
  await paneTitle(phone, "Bob Chen").waitFor();
  await shoot(phone, "phone-chat");

  await browser.close();
  bobClient.close();
  carolClient.close();
} finally {
  await server.close();
}
