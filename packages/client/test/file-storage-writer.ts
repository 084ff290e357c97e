/**
 * The crash test's writer (storage.test.ts runs it through tsx and kills it with SIGKILL):
 * appends to the file store at argv[2] until killed, printing the number of each write once
 * it has resolved. Each write puts a:N and b:N (atomic together) and overwrites `state`, so
 * that the log outgrows the live data and is compacted now and then, as a crash may hit it.
 */
import { fileStorage } from "../src/storage/file.js";

const path = process.argv[2];
if (!path) throw new Error("usage: file-storage-writer.ts <path>");
const store = fileStorage(path, { compactMinBytes: 16 * 1024 });
const state = (await store.read("state"))[0]?.[1] as { last: number } | undefined;
const first = state ? state.last + 1 : 0;
process.stdout.write(`start ${first}\n`);
// Bounded: the test kills it long before, and a writer left behind stops by itself.
for (let i = first; i < first + 100_000; i++) {
  const n = String(i).padStart(6, "0");
  await store.write([
    { op: "put", key: `a:${n}`, value: { i, bytes: new Uint8Array([i & 255, (i >> 8) & 255]) } },
    { op: "put", key: "state", value: { last: i, filler: "x".repeat(300) } },
    { op: "put", key: `b:${n}`, value: i },
  ]);
  process.stdout.write(`acked ${i}\n`);
}
await store.close();
