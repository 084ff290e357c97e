import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase, startServer, type TestDatabase, type TestServer } from "@chatapp/testkit";
import type { Browser, BrowserContext, CDPSession, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { composer, conversationLink, logIn, message, openConversation, send } from "./app-driver.js";
import { axeBothThemes } from "./axe.js";
import { describeInBrowser, launchChromium, openPage } from "./browser.js";
import { attachFiles, binaryFile, dragFiles, pasteFiles, png, textFile } from "./file-transfer.js";
import { directConversation, registerOverApi } from "./seed.js";

/** What the tests read of an <img> (they compile without the DOM library). */
interface LoadedImage {
  complete: boolean;
  naturalWidth: number;
}

/** The accessible name (aria-label) of what has focus. */
const focused = (page: Page) => page.evaluate("document.activeElement?.getAttribute('aria-label')");

/** The server's upload limit here: small, so a "too large" file is quick to make. */
const MAX_BYTES = 4 * 1024 * 1024;

/**
 * Attachments in a real Chromium against a real server: files pasted, dropped and chosen,
 * their chips and progress, cancel, the limits, images as thumbnails of their own shape, the
 * lightbox, and other files as cards. One server and one browser; Alice sends, Bob receives.
 */
describeInBrowser("attachments in Chromium", () => {
  let database: TestDatabase;
  let server: TestServer;
  let browser: Browser;
  let uploadDir: string;
  const people: { context: BrowserContext; page: Page; problems: string[] }[] = [];
  let alice: Page;
  let bob: Page;
  let aliceId: number;
  let direct: number;

  const open = async () => {
    const person = await openPage(browser, `${server.url}/`);
    people.push(person);
    return person.page;
  };

  const chips = (page: Page) => page.getByRole("list", { name: "Files to send" }).getByRole("listitem");
  const sendButton = (page: Page) => page.getByRole("button", { name: "Send", exact: true });
  /** Bob's last message in the open conversation. */
  const lastMessage = (page: Page) => page.getByRole("list", { name: "Messages" }).getByRole("listitem").last();

  /** Uploads slowed down to `bytesPerSecond` (Chromium's network emulation), or back to full speed. */
  let network: CDPSession;
  const throttleUploads = (bytesPerSecond: number) =>
    network.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: bytesPerSecond,
    });

  beforeAll(async () => {
    uploadDir = mkdtempSync(join(tmpdir(), "chatapp-web-attachments-"));
    database = await createTestDatabase("sqlite");
    server = await startServer(database, { env: { UPLOAD_DIR: uploadDir, UPLOAD_MAX_BYTES: String(MAX_BYTES) } });
    browser = await launchChromium();
    aliceId = await registerOverApi(server, "alice", "Alice");
    const bobId = await registerOverApi(server, "bob", "Bob");
    direct = await directConversation(server, aliceId, bobId);
    alice = await open();
    bob = await open();
    await logIn(alice, "alice");
    await logIn(bob, "bob");
    await openConversation(alice, "Bob");
    await openConversation(bob, "Alice");
    network = await alice.context().newCDPSession(alice);
    await network.send("Network.enable");
  });

  afterAll(async () => {
    const problems = people.flatMap((p) => p.problems);
    await browser?.close();
    await server?.stop();
    await database?.drop();
    if (uploadDir) rmSync(uploadDir, { recursive: true, force: true });
    expect(problems).toEqual([]);
  });

  it("a pasted image uploads at once and arrives as a thumbnail with the image's shape", async () => {
    await pasteFiles(composer(alice), [await png("wide.png", 600, 300)]);
    const chip = chips(alice).filter({ hasText: "wide.png" });
    await chip.waitFor();
    // Its upload finished: no progress bar, and Send works with no text.
    await chip.getByRole("progressbar").waitFor({ state: "detached" });
    expect(await composer(alice).inputValue()).toBe("");

    // Bob's thumbnails are held back until his message has been measured without one.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let passed = () => {};
    const through = new Promise<void>((resolve) => (passed = resolve));
    await bob.route("**/api/uploads/*/thumbnail", async (route) => {
      await held;
      await route.continue();
      passed();
    });
    await composer(alice).press("Enter");
    await chips(alice).first().waitFor({ state: "detached" });

    const thumbnail = bob.getByRole("button", { name: "View wide.png" });
    await thumbnail.waitFor();
    // Before the thumbnail has loaded, the box has the image's 2:1 shape fitted into 320×320:
    // nothing moves when it arrives.
    expect(await thumbnail.getAttribute("data-loaded")).toBeNull();
    const before = await thumbnail.boundingBox();
    expect(before?.width).toBeCloseTo(320, 0);
    expect(before?.height).toBeCloseTo(160, 0);
    release();
    await through;
    await bob.unroute("**/api/uploads/*/thumbnail");
    await thumbnail.locator("img").waitFor();
    expect(await thumbnail.boundingBox()).toEqual(before);
    const image = thumbnail.getByRole("img", { name: "wide.png" });
    await expect
      .poll(() =>
        image.evaluate((img) => (img as unknown as LoadedImage).complete && (img as unknown as LoadedImage).naturalWidth),
      )
      .toBe(320);
    // Fetched with the token into an object URL: no token in the page.
    expect(await image.getAttribute("src")).toMatch(/^blob:/);
    // The same for the sender, once the stored message replaces the pending one.
    await alice.getByRole("button", { name: "View wide.png" }).waitFor();
    // A message of files only is named by them in the conversation list.
    expect(await conversationLink(bob, "Alice").textContent()).toContain("📎 wide.png");
  }, 30_000);

  it("the lightbox shows the full image, closes with Escape, the button or a click outside, and gives focus back", async () => {
    const thumbnail = bob.getByRole("button", { name: "View wide.png" });
    await thumbnail.click();
    const dialog = bob.getByRole("dialog", { name: "wide.png" });
    const full = dialog.getByRole("img", { name: "wide.png" });
    await dialog.locator("img[data-full]").waitFor();
    expect(await full.evaluate((img) => (img as unknown as LoadedImage).naturalWidth)).toBe(600);
    const download = dialog.getByRole("link", { name: "Download" });
    expect(await download.getAttribute("download")).toBe("wide.png");
    expect(await axeBothThemes(bob, "lightbox")).toEqual([]);

    await bob.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    expect(await focused(bob)).toBe("View wide.png");

    // Enter opens it again (a button); the close button closes it.
    await bob.keyboard.press("Enter");
    await dialog.getByRole("button", { name: "Close" }).click();
    await dialog.waitFor({ state: "detached" });
    expect(await focused(bob)).toBe("View wide.png");

    // A click outside the dialog (on the backdrop) closes it.
    await thumbnail.click();
    await dialog.waitFor();
    await bob.mouse.click(5, 5);
    await dialog.waitFor({ state: "detached" });
  }, 30_000);

  it("files dropped on the conversation show a drop target, then upload and arrive", async () => {
    const pane = alice.getByRole("region", { name: "Message history" });
    const target = alice.getByText("Drop files to attach them");
    await dragFiles(pane, [await png("tall.png", 200, 500)], "dragleave");
    await target.waitFor({ state: "detached" });
    await dragFiles(pane, [await png("tall.png", 200, 500)], "none");
    await target.waitFor();
    await dragFiles(pane, [await png("tall.png", 200, 500)], "drop");
    await target.waitFor({ state: "detached" });
    await chips(alice).filter({ hasText: "tall.png" }).waitFor();
    await send(alice, "a tall one");

    const arrived = message(bob, "a tall one");
    const thumbnail = arrived.getByRole("button", { name: "View tall.png" });
    await thumbnail.waitFor();
    const box = await thumbnail.boundingBox();
    expect(box?.width).toBeCloseTo(128, 0);
    expect(box?.height).toBeCloseTo(320, 0);
  }, 30_000);

  it("a file that is no image shows as a card with its name, kind and size, and downloads", async () => {
    const notes = textFile("notes.txt", 2500);
    await attachFiles(alice, [notes]);
    await chips(alice).filter({ hasText: "notes.txt" }).filter({ hasText: "2.5 KB" }).waitFor();
    await chips(alice).getByRole("progressbar").waitFor({ state: "detached" });
    await sendButton(alice).click();

    const card = lastMessage(bob).locator(".file-card");
    await card.filter({ hasText: "notes.txt" }).waitFor();
    expect(await card.textContent()).toContain("Text file · 2.5 KB");
    const [download] = await Promise.all([
      bob.waitForEvent("download"),
      card.getByRole("button", { name: "Download notes.txt" }).click(),
    ]);
    expect(download.suggestedFilename()).toBe("notes.txt");
    expect(readFileSync(await download.path()).equals(notes.buffer)).toBe(true);
  }, 30_000);

  it("shows upload progress, and cancel stops the upload: the chip goes and nothing is sent", async () => {
    await throttleUploads(256 * 1024);
    try {
      await attachFiles(alice, [binaryFile("big.bin", 3 * 1024 * 1024)]);
      const chip = chips(alice).filter({ hasText: "big.bin" });
      const progress = chip.getByRole("progressbar", { name: "Uploading big.bin" });
      await progress.waitFor();
      await expect.poll(async () => Number(await progress.getAttribute("value")), { timeout: 10_000 }).toBeGreaterThan(0);
      await chip.getByRole("button", { name: "Cancel big.bin" }).click();
      await chip.waitFor({ state: "detached" });
      expect(await sendButton(alice).isDisabled()).toBe(true);
    } finally {
      await throttleUploads(-1);
    }
    await send(alice, "after the cancel");
    await message(bob, "after the cancel").waitFor();
    // The message before it is the text file: the cancelled file never went out.
    expect(await bob.getByRole("button", { name: /big\.bin/ }).count()).toBe(0);
    expect(await bob.locator(".file-card").filter({ hasText: "big.bin" }).count()).toBe(0);
  }, 40_000);

  it("a message waits as pending while its file uploads, showing the file's progress, then arrives", async () => {
    await throttleUploads(512 * 1024);
    try {
      await attachFiles(alice, [binaryFile("report.bin", 1024 * 1024)]);
      await send(alice, "the report");
      const pending = alice.locator('[data-pending="sending"]').filter({ hasText: "the report" });
      await pending.getByRole("progressbar", { name: "Uploading report.bin" }).waitFor();
    } finally {
      await throttleUploads(-1);
    }
    const card = message(bob, "the report").locator(".file-card");
    await card.waitFor();
    expect(await card.textContent()).toContain("BIN file · 1 MB");
  }, 40_000);

  it("a file over the server's limit says so, and blocks sending until it is removed", async () => {
    await attachFiles(alice, [binaryFile("huge.bin", MAX_BYTES + 1)]);
    const chip = chips(alice).filter({ hasText: "huge.bin" });
    await chip.getByText("too large (max 4.2 MB)").waitFor();
    await alice.getByText("Retry or remove the files that could not be uploaded.").waitFor();
    await composer(alice).fill("with the huge file");
    expect(await sendButton(alice).isDisabled()).toBe(true);
    await chip.getByRole("button", { name: "Remove huge.bin" }).click();
    await chip.waitFor({ state: "detached" });
    expect(await sendButton(alice).isDisabled()).toBe(false);
    await composer(alice).fill("");
  }, 30_000);

  it("a file refused after its message was sent fails the message, with Retry and Discard", async () => {
    // Slowed down, so that the message is sent before the server has seen the file's size.
    await throttleUploads(2 * 1024 * 1024);
    try {
      await attachFiles(alice, [binaryFile("late.bin", MAX_BYTES + 1)]);
      await send(alice, "with a file too large");
      const failed = alice.locator('[data-pending="failed"]').filter({ hasText: "with a file too large" });
      await failed
        .getByRole("alert")
        .filter({ hasText: "Not sent: late.bin: too large (max 4.2 MB)" })
        .waitFor({ timeout: 15_000 });
      await failed.getByRole("button", { name: "Retry" }).waitFor();
      await failed.getByRole("button", { name: "Discard" }).click();
      await failed.waitFor({ state: "detached" });
    } finally {
      await throttleUploads(-1);
    }
    expect(await message(bob, "with a file too large").count()).toBe(0);
  }, 40_000);

  it("a deleted message shows none of its files", async () => {
    const { body } = await server.http(`/api/conversations/${direct}/messages?limit=50`, { userId: aliceId });
    const tall = (body.messages as { id: number; attachments?: { name: string }[] }[]).find((m) =>
      m.attachments?.some((a) => a.name === "tall.png"),
    );
    if (!tall) throw new Error("no message with tall.png");
    const thumbnail = bob.getByRole("button", { name: "View tall.png" });
    await thumbnail.waitFor();
    expect((await server.http(`/api/messages/${tall.id}`, { method: "DELETE", userId: aliceId })).status).toBe(200);
    await thumbnail.waitFor({ state: "detached" });
    await message(bob, "Message deleted").waitFor();
    expect(await message(bob, "a tall one").count()).toBe(0);
  }, 30_000);

  it("takes at most 10 files per message and says so; chips, thumbnails and cards pass axe", async () => {
    const files = Array.from({ length: 12 }, (_, i) => textFile(`part-${i + 1}.txt`, 20));
    await attachFiles(alice, files);
    await alice.getByText("At most 10 files per message: 2 files were left out.").waitFor();
    expect(await chips(alice).count()).toBe(10);
    await chips(alice).filter({ hasText: "part-10.txt" }).waitFor();
    // The chips, and the thumbnails and file cards above them, in both themes.
    await chips(alice).getByRole("progressbar").first().waitFor({ state: "detached" });
    expect(await axeBothThemes(alice, "chat with files")).toEqual([]);
    for (let i = 1; i <= 10; i++) {
      await chips(alice)
        .getByRole("button", { name: new RegExp(`^(Remove|Cancel) part-${i}\\.txt$`) })
        .click();
    }
    await chips(alice).first().waitFor({ state: "detached" });
  }, 30_000);
});
