/** Polls `check` until it is true, or fails after `ms` (conditions reached across processes or the network). */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 5000, what = "condition"): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${ms} ms`);
    // The poll interval.
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
