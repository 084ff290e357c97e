import { link, open, readFile, rm } from "node:fs/promises";

/** A held lock file; `release` removes it unless another process has taken it over since. */
export interface FileLock {
  release(): Promise<void>;
}

// A stale lock is removed and the lock taken again: one more attempt is enough, unless
// another process takes the freed lock first (then its pid is alive and the open fails).
const ATTEMPTS = 3;

// Two stores of one process opening the same path at once each write their own pid file.
let taken = 0;

/**
 * Takes `lockPath` for this process: one process per store, since two would interleave their
 * appends and each serve its own view. The lock file holds the owner's pid; a lock whose pid
 * is no longer alive (a crash, a SIGKILL) is taken over.
 *
 * The pid is written to a file of this process's own first, then hard-linked to `lockPath`:
 * the link appears atomically with its content, so a reader never sees a lock file that a
 * live process created but has not filled yet (which `open(lockPath, "wx")` then a write
 * would show, and which could not be told from a crash between the two).
 */
export async function acquireLock(lockPath: string, storePath: string): Promise<FileLock> {
  const pid = process.pid;
  const mine = `${lockPath}.${pid}.${++taken}`;
  try {
    // Synced before the link: after a power cut the lock file is never found empty.
    const handle = await open(mine, "w");
    try {
      await handle.writeFile(`${pid}\n`);
      await handle.datasync();
    } finally {
      await handle.close();
    }
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      try {
        await link(mine, lockPath);
        return { release: () => releaseLock(lockPath, pid) };
      } catch (err) {
        if (errorCode(err) !== "EEXIST") throw err;
      }
      const holder = await readHolder(lockPath);
      if (holder === "gone") continue;
      if (holder === "unreadable")
        throw new Error(
          `file storage ${storePath}: the lock file ${lockPath} holds no pid; remove it if no process uses the store`,
        );
      if (isAlive(holder)) throw new Error(`file storage ${storePath} is in use by process ${holder} (lock file ${lockPath})`);
      // Two processes taking over the same stale lock at the same instant could both remove
      // it; the second then removes the first's fresh lock. Only simultaneous restarts after
      // a crash can do that, and the file adapter is meant for one process per store.
      await rm(lockPath, { force: true });
    }
    throw new Error(`file storage ${storePath}: could not take the lock file ${lockPath} in ${ATTEMPTS} attempts`);
  } finally {
    await rm(mine, { force: true });
  }
}

async function releaseLock(lockPath: string, pid: number): Promise<void> {
  if ((await readHolder(lockPath)) === pid) await rm(lockPath, { force: true });
}

/** The pid in the lock file, "gone" if it was removed meanwhile, "unreadable" if it holds no pid. */
async function readHolder(lockPath: string): Promise<number | "gone" | "unreadable"> {
  let text: string;
  try {
    text = await readFile(lockPath, "utf8");
  } catch (err) {
    if (errorCode(err) === "ENOENT") return "gone";
    throw err;
  }
  const match = /^(\d{1,10})\n?$/.exec(text);
  const pid = match ? Number(match[1]) : 0;
  // Pids are positive and fit in 32 bits on every platform Node runs on.
  return pid >= 1 && pid <= 0x7fffffff ? pid : "unreadable";
}

/** Signal 0 checks for the process without signalling it: ESRCH means there is none. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    if (errorCode(err) === "ESRCH") return false;
    if (errorCode(err) === "EPERM") return true;
    throw err;
  }
}

export function errorCode(err: unknown): string | undefined {
  return (err as { code?: string } | null)?.code;
}
