import { type ChildProcess, spawn } from "node:child_process";
import { appendFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StorageAdapter } from "../src/storage/adapter.js";
import { type FileStorageOptions, fileStorage } from "../src/storage/file.js";
import { memoryStorage } from "../src/storage/memory.js";
import { storageChecks } from "./storage-checks.js";

let dir: string;
let stores = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "chatapp-storage-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A path no other test uses, in a directory that does not exist yet (the adapter creates it). */
const freshPath = () => join(dir, `store-${++stores}`, "data.jsonl");

const openFile = (path: string, options?: FileStorageOptions) => async () => {
  const store = fileStorage(path, options);
  await store.open();
  return store;
};

const adapters: { name: string; persistent: boolean; factory: () => () => Promise<StorageAdapter> }[] = [
  { name: "memory", persistent: false, factory: () => () => Promise.resolve(memoryStorage()) },
  { name: "file", persistent: true, factory: () => openFile(freshPath()) },
  // Compaction considered after every write: the checks then also run across rewrites of the log.
  { name: "file, compacting", persistent: true, factory: () => openFile(freshPath(), { compactMinBytes: 0 }) },
];

for (const adapter of adapters) {
  describe(`storage checks: ${adapter.name}`, () => {
    for (const check of storageChecks) {
      it.skipIf(check.persistent && !adapter.persistent)(check.name, () => check.run(adapter.factory()));
    }
  });
}

describe("file storage", () => {
  it("ignores a torn last line and appends after it", async () => {
    const path = freshPath();
    const open = openFile(path);
    const first = await open();
    await first.write([{ op: "put", key: "a", value: 1 }]);
    await first.close();
    // A crash in the middle of an append: never acknowledged, so never read.
    await appendFile(path, '{"c":[{"op":"put","key":"torn","value":');
    const second = await open();
    expect(await second.read("")).toEqual([["a", 1]]);
    await second.write([{ op: "put", key: "b", value: 2 }]);
    await second.close();
    expect(await readFile(path, "utf8")).toBe(
      '{"c":[{"op":"put","key":"a","value":1}]}\n{"c":[{"op":"put","key":"b","value":2}]}\n',
    );
    // A whole line without its newline was not fsynced whole either: dropped too.
    await appendFile(path, '{"c":[{"op":"put","key":"c","value":3}]}');
    const third = await open();
    expect(await third.read("")).toEqual([
      ["a", 1],
      ["b", 2],
    ]);
    await third.close();
  });

  it("refuses a log with a corrupt line before its end, naming the line", async () => {
    const path = freshPath();
    const store = await openFile(path)();
    await store.close();
    await writeFile(path, '{"c":[{"op":"put","key":"a","value":1}]}\n{"c":[{"op":"nope"}]}\n{"c":[]}\n');
    await expect(openFile(path)()).rejects.toThrow(`file storage ${path}: line 2 is not a valid write (unknown op "nope")`);
    // The failed open released its lock.
    await expect(readdir(join(path, ".."))).resolves.toEqual(["data.jsonl"]);
  });

  it("compacts the log, keeping the content and shrinking the file", async () => {
    const path = freshPath();
    const open = openFile(path, { compactMinBytes: 16 * 1024 });
    const store = await open();
    const filler = "x".repeat(1000);
    for (let i = 0; i < 100; i++) {
      await store.write([
        { op: "put", key: "state", value: { i, filler } },
        { op: "put", key: `f:${String(i % 10).padStart(2, "0")}`, value: new Uint8Array([i]) },
      ]);
    }
    const expected = [
      ["f:00", [90]],
      ["f:01", [91]],
      ["f:02", [92]],
      ["f:03", [93]],
      ["f:04", [94]],
      ["f:05", [95]],
      ["f:06", [96]],
      ["f:07", [97]],
      ["f:08", [98]],
      ["f:09", [99]],
      ["state", { i: 99, filler }],
    ];
    const asPlain = (records: [string, unknown][]) => records.map(([k, v]) => [k, v instanceof Uint8Array ? [...v] : v]);
    expect(asPlain(await store.read(""))).toEqual(expected);
    await store.close();
    // 100 writes of about 1.2 KB (120 KB) never grow the log past the 16 KiB threshold plus a write.
    const size = (await stat(path)).size;
    expect(size).toBeLessThan(16 * 1024 + 1300);
    expect(await readdir(join(path, ".."))).toEqual(["data.jsonl"]);
    const reopened = await open();
    expect(asPlain(await reopened.read(""))).toEqual(expected);
    await reopened.close();
  });

  it("stores a Blob as its bytes", async () => {
    const open = openFile(freshPath());
    const store = await open();
    await store.write([{ op: "put", key: "outbox:1", value: { files: [new Blob([new Uint8Array([1, 2]), "é"])] } }]);
    const read = async (s: StorageAdapter) => ((await s.read("outbox:1"))[0]?.[1] as { files: unknown[] } | undefined)?.files[0];
    expect(await read(store)).toStrictEqual(new Uint8Array([1, 2, 0xc3, 0xa9]));
    await store.close();
    const reopened = await open();
    expect(await read(reopened)).toStrictEqual(new Uint8Array([1, 2, 0xc3, 0xa9]));
    await reopened.close();
  });

  it("refuses a second open of a file while the first holds it, then hands it over on close", async () => {
    const path = freshPath();
    const first = await openFile(path)();
    expect(await readFile(`${path}.lock`, "utf8")).toBe(`${process.pid}\n`);
    const second = fileStorage(path);
    await expect(second.open()).rejects.toThrow(
      `file storage ${path} is in use by process ${process.pid} (lock file ${path}.lock)`,
    );
    await expect(second.read("")).rejects.toThrow(`in use by process ${process.pid}`);
    await first.write([{ op: "put", key: "a", value: 1 }]);
    await first.close();
    await expect(stat(`${path}.lock`)).rejects.toThrow("ENOENT");
    expect(await second.read("")).toEqual([["a", 1]]);
    await second.close();
    await expect(first.read("")).rejects.toThrow(`file storage ${path} is closed`);
  });

  it("takes over a lock left by a process that is gone", async () => {
    const path = freshPath();
    const store = await openFile(path)();
    await store.write([{ op: "put", key: "a", value: 1 }]);
    await store.close();
    const dead = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
    const pid = dead.pid;
    await exited(dead, 20_000);
    await writeFile(`${path}.lock`, `${pid}\n`);
    const reopened = await openFile(path)();
    expect(await readFile(`${path}.lock`, "utf8")).toBe(`${process.pid}\n`);
    expect(await reopened.read("")).toEqual([["a", 1]]);
    await reopened.close();
  });

  it("bounds its queue and the size of a write", async () => {
    const store = await openFile(freshPath(), { maxQueued: 2, maxWriteBytes: 1024 })();
    const first = store.write([{ op: "put", key: "a", value: 1 }]);
    const second = store.write([{ op: "put", key: "b", value: 2 }]);
    await expect(store.write([{ op: "put", key: "c", value: 3 }])).rejects.toThrow("2 calls already queued");
    await Promise.all([first, second]);
    await expect(store.write([{ op: "put", key: "big", value: new Uint8Array(1025) }])).rejects.toThrow(
      "a write of 1025 bytes is over maxWriteBytes (1024)",
    );
    await expect(store.write([{ op: "put", key: "big", value: "x".repeat(1100) }])).rejects.toThrow("over maxWriteBytes");
    await expect(store.write([{ op: "trim", prefix: "", keep: -1 }])).rejects.toThrow("keep must be a whole number >= 0");
    expect(await store.read("")).toEqual([
      ["a", 1],
      ["b", 2],
    ]);
    await store.close();
  });

  it("keeps every acknowledged write, atomically, across SIGKILLs of the writing process", async () => {
    const path = freshPath();
    let acked = -1;
    for (let round = 0; round < 3; round++) {
      const writer = spawnWriter(path);
      // At least 100 more writes, some through a compaction, before the kill.
      const target = acked + 100;
      await writer.until(() => writer.acked >= target, 30_000, `writer round ${round} to ack write ${target}`);
      writer.child.kill("SIGKILL");
      await exited(writer.child, 20_000);
      acked = writer.acked;

      // Opening takes over the dead writer's lock.
      const store = await openFile(path)();
      const a = await store.read("a:");
      const b = await store.read("b:");
      const state = (await store.read("state"))[0]?.[1] as { last: number };
      await store.close();
      // Every acknowledged write, then at most the one in flight: a prefix of the writes.
      expect(state.last).toBeGreaterThanOrEqual(acked);
      expect(state.last).toBeLessThanOrEqual(acked + 1);
      expect(a.map(([key]) => key)).toEqual(Array.from({ length: state.last + 1 }, (_, i) => `a:${String(i).padStart(6, "0")}`));
      expect(b.map(([, value]) => value)).toEqual(Array.from({ length: state.last + 1 }, (_, i) => i));
      const last = a[state.last]?.[1] as { i: number; bytes: Uint8Array };
      expect([...last.bytes]).toEqual([state.last & 255, (state.last >> 8) & 255]);
      acked = state.last;
    }
  }, 120_000);
});

// The writer runs from the sources through tsx, resolved from here whatever the cwd.
const require = createRequire(import.meta.url);
const tsx = pathToFileURL(require.resolve("tsx")).href;
const writerScript = fileURLToPath(new URL("./file-storage-writer.ts", import.meta.url));

function spawnWriter(path: string) {
  const child = spawn(process.execPath, ["--conditions=source", "--import", tsx, writerScript, path], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const writer = {
    child,
    acked: -1,
    output: "",
    /** Resolves once `done()` holds after some output, or rejects at the deadline or the writer's exit. */
    until(done: () => boolean, ms: number, what: string): Promise<void> {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!done()) return;
          cleanup();
          resolve();
        };
        const fail = (why: string) => {
          cleanup();
          child.kill("SIGKILL");
          reject(new Error(`${what}: ${why}; output: ${writer.output.slice(-2000)}`));
        };
        const timer = setTimeout(() => fail(`not within ${ms} ms`), ms);
        const onExit = () => fail("the writer exited");
        const cleanup = () => {
          clearTimeout(timer);
          child.stdout.off("data", check);
          child.off("exit", onExit);
        };
        child.stdout.on("data", check);
        child.once("exit", onExit);
        check();
      });
    },
  };
  let pending = "";
  // Registered before `until`'s listener, so `acked` is up to date when it checks.
  child.stdout.on("data", (chunk: Buffer) => {
    const text = pending + chunk.toString("utf8");
    const lines = text.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      const m = /^acked (\d+)$/.exec(line);
      if (m) writer.acked = Number(m[1]);
    }
    // Kept short: only the end is shown when the writer fails.
    writer.output = (writer.output + chunk.toString("utf8")).slice(-10_000);
  });
  child.stderr.on("data", (chunk: Buffer) => {
    writer.output = (writer.output + chunk.toString("utf8")).slice(-10_000);
  });
  return writer;
}

function exited(child: ChildProcess, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => reject(new Error(`process ${child.pid} still running after ${ms} ms`)), ms);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
