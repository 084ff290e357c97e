import { randomBytes } from "node:crypto";
import { startHook, startTarget, type TargetName } from "../targets.js";
import { type DmOptions, type DmResult, runDm } from "./dm.js";

export interface BeforeSendResult {
  /** The same dm-throughput run on a fresh target without the hook, then with it. */
  without: DmResult;
  with: DmResult;
  hookDelayMs: number;
}

/**
 * dm-throughput twice on fresh targets of the same kind: without a before-send hook, then with
 * BEFORE_SEND_URL pointing at a local hook (its own process) that allows every message after
 * 1 ms. What the hook costs: one signed HTTP call per message before it is stored.
 */
export async function runBeforeSend(name: TargetName, options: DmOptions, hookDelayMs = 1): Promise<BeforeSendResult> {
  const run = async (env: Record<string, string>, label: string) => {
    options.progress(`starting ${name} (${label})`);
    const target = await startTarget(name, env);
    try {
      return await runDm(target, options);
    } finally {
      await target.stop();
    }
  };
  const without = await run({}, "no hook");
  const hook = await startHook(hookDelayMs);
  try {
    const withHook = await run(
      {
        BEFORE_SEND_URL: hook.url,
        BEFORE_SEND_SECRET: `whsec_${randomBytes(32).toString("base64")}`,
        // reject: a message the hook did not allow in time is refused and counted lost, never let through unchecked.
        BEFORE_SEND_FAILURE: "reject",
        // The longest wait allowed: a window of 32 per pair puts 1,600 checks in line at once, and
        // a busy machine must show as latency, not as refusals.
        BEFORE_SEND_TIMEOUT_MS: "10000",
      },
      `before-send hook answering in ${hookDelayMs} ms`,
    );
    return { without, with: withHook, hookDelayMs };
  } finally {
    await hook.stop();
  }
}
