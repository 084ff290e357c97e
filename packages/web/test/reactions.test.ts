import type { Locator, Page } from "playwright-core";
import { beforeAll, it } from "vitest";
import { exactMessage, openConversation } from "./app-driver.js";
import { describeInBrowser } from "./browser.js";
import { directConversation, sendMany } from "./seed.js";
import { useWebSuite } from "./web-suite.js";

/** Reactions in a real Chromium against a real server: two people, one message. */
describeInBrowser("reactions in Chromium", () => {
  const suite = useWebSuite({ alice: "Alice Moreau", bob: "Bob Lee" });
  let alice: Page;
  let bob: Page;

  /** The chip of `emoji` under the message, whatever its count. */
  const chip = (item: Locator, emoji: string) =>
    item.getByRole("group", { name: "Reactions" }).getByRole("button", { name: new RegExp(`^${emoji} \\d+$`) });
  /** Waits until the chip of `emoji` under the message shows `count`, pressed or not (one's own). */
  const shows = (page: Page, item: Locator, emoji: string, count: number, pressed: boolean) =>
    chip(item, emoji)
      .and(page.getByRole("button", { name: `${emoji} ${count}`, pressed }))
      .waitFor();

  beforeAll(async () => {
    const direct = await directConversation(suite.server(), suite.idOf("bob"), suite.idOf("alice"));
    await sendMany(suite.server(), suite.idOf("bob"), direct, ["react to this"]);
    alice = await suite.session("alice");
    bob = await suite.session("bob");
  });

  it("reacts from the quick picker, the other person sees the count, and a click toggles it off", async () => {
    await openConversation(alice, "Bob Lee");
    await openConversation(bob, "Alice Moreau");
    const onAlice = exactMessage(alice, "react to this");
    const onBob = exactMessage(bob, "react to this");

    // Alice reacts to Bob's message from its actions.
    await onAlice.hover();
    await onAlice.getByRole("toolbar", { name: "Message actions" }).getByRole("button", { name: "React with 👍" }).click();
    await shows(alice, onAlice, "👍", 1, true);
    // Bob sees it, not as his own, and adds his.
    await shows(bob, onBob, "👍", 1, false);
    await chip(onBob, "👍").click();
    await shows(bob, onBob, "👍", 2, true);
    await shows(alice, onAlice, "👍", 2, true);

    // Alice takes hers back: a click on her pressed chip.
    await chip(onAlice, "👍").click();
    await shows(alice, onAlice, "👍", 1, false);
    await shows(bob, onBob, "👍", 1, true);
    // Bob too: no chip is left.
    await chip(onBob, "👍").click();
    await onBob.getByRole("group", { name: "Reactions" }).waitFor({ state: "detached" });
    await onAlice.getByRole("group", { name: "Reactions" }).waitFor({ state: "detached" });
  }, 45_000);

  it("reacts with any emoji from the full picker, and a reload shows the reaction as one's own", async () => {
    const onAlice = exactMessage(alice, "react to this");
    await onAlice.hover();
    await onAlice.getByRole("button", { name: "More reactions" }).click();
    const picker = alice.getByRole("dialog", { name: "Pick a reaction" });
    // The picker's own search field (inside its shadow root, which locators pierce).
    await picker.getByRole("combobox", { name: "Search" }).fill("rocket");
    await picker.getByRole("option", { name: /^🚀,/ }).click();
    await picker.waitFor({ state: "detached" });
    await shows(alice, onAlice, "🚀", 1, true);
    await chip(exactMessage(bob, "react to this"), "🚀").waitFor();

    await alice.reload();
    await openConversation(alice, "Bob Lee");
    await shows(alice, exactMessage(alice, "react to this"), "🚀", 1, true);
  }, 45_000);
});
