import type { Locator, Page } from "playwright-core";

/**
 * What a person does in the web client, as steps for the browser tests and the screenshot
 * script. Everything is found the way a screen reader would: by role and accessible name.
 */
export const PASSWORD = "correct horse battery";

export async function register(page: Page, username: string, displayName?: string): Promise<void> {
  await page.getByRole("button", { name: "Create an account" }).click();
  await page.getByLabel("Username").fill(username);
  if (displayName) await page.getByLabel("Display name").fill(displayName);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByRole("button", { name: "New chat" }).waitFor();
}

export async function logIn(page: Page, username: string): Promise<void> {
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in", exact: true }).click();
  await page.getByRole("button", { name: "New chat" }).waitFor();
}

/** Finds someone with "New chat" and opens the direct conversation with them. */
export async function startDirectChat(page: Page, search: string, name: string): Promise<void> {
  await page.getByRole("button", { name: "New chat" }).click();
  await page.getByLabel("Find people").fill(search);
  await page.getByRole("button", { name: new RegExp(name) }).click();
  await paneTitle(page, name).waitFor();
}

export async function createGroup(page: Page, title: string, members: string[]): Promise<void> {
  await page.getByRole("button", { name: "New group" }).click();
  await page.getByLabel("Group name").fill(title);
  for (const member of members) {
    await page.getByLabel("Add people").fill(member);
    await page
      .getByRole("list", { name: "People found" })
      .getByRole("button", { name: new RegExp(member, "i") })
      .click();
  }
  await page.getByRole("button", { name: "Create group" }).click();
  await paneTitle(page, title).waitFor();
}

export function composer(page: Page): Locator {
  return page.getByLabel("Message", { exact: true });
}

/** Types into the composer and presses Enter, as a person would. */
export async function send(page: Page, text: string): Promise<void> {
  await composer(page).fill(text);
  await composer(page).press("Enter");
}

/** The conversation in the list whose title is exactly `title` (previews may mention others). */
export function conversationLink(page: Page, title: string): Locator {
  return page
    .getByRole("navigation", { name: "Conversation list" })
    .getByRole("link")
    .filter({ has: page.locator(".conversation-title").getByText(title, { exact: true }) });
}

export async function openConversation(page: Page, title: string): Promise<void> {
  await conversationLink(page, title).click();
  await paneTitle(page, title).waitFor();
}

export function paneTitle(page: Page, title: string): Locator {
  return page.getByRole("heading", { level: 2, name: title });
}

/** The message list item holding this text (own, others', pending or system). */
export function message(page: Page, text: string | RegExp): Locator {
  return page.getByRole("list", { name: "Messages" }).getByRole("listitem").filter({ hasText: text });
}

/** The message whose text is exactly `text` ("history 7" is not "history 71"). */
export function exactMessage(page: Page, text: string): Locator {
  const exact = new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);
  return page
    .getByRole("list", { name: "Messages" })
    .getByRole("listitem")
    .filter({ has: page.locator(".text", { hasText: exact }) });
}

export function scroller(page: Page): Locator {
  return page.getByRole("region", { name: "Message history" });
}

export function banner(page: Page): Locator {
  return page.getByRole("status").and(page.locator(".banner"));
}

/** At least half of `target` shows inside the scrolling `scrollerLocator`. */
export async function inView(scrollerLocator: Locator, target: Locator): Promise<boolean> {
  if ((await target.count()) === 0) return false;
  const outer = await scrollerLocator.boundingBox();
  const inner = await target.boundingBox();
  if (!outer || !inner) return false;
  const top = Math.max(outer.y, inner.y);
  const bottom = Math.min(outer.y + outer.height, inner.y + inner.height);
  return bottom - top >= inner.height / 2;
}
