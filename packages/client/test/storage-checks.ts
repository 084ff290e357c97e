import type { StorageAdapter, StorageChange } from "../src/storage/adapter.js";

/**
 * The behaviour every storage adapter must show, as plain async checks: no test runner
 * imports, so that the same checks run under Vitest (memory, file) and inside a browser page
 * (IndexedDB). Each check gets `open`, which opens the store under test: empty at the
 * check's first call, and for a persistent adapter the same store again at later calls.
 * A check closes every store it opens.
 */
export interface StorageCheck {
  name: string;
  /** Needs a store that outlives `close` (skipped for memory). */
  persistent?: boolean;
  run(open: () => Promise<StorageAdapter>): Promise<void>;
}

/** Compares through JSON, which every runtime has; a `Uint8Array` shows as its indexed bytes. */
function expectEqual(actual: unknown, expected: unknown, what: string): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

function expectBytes(actual: unknown, expected: number[], what: string): void {
  // A Buffer or a plain object with indexed keys would pass expectEqual, and is not what was stored.
  if (!(actual instanceof Uint8Array) || Object.getPrototypeOf(actual) !== Uint8Array.prototype)
    throw new Error(`${what}: expected a Uint8Array, got ${Object.prototype.toString.call(actual)}`);
  expectEqual([...actual], expected, what);
}

/** Runs `fn` on a freshly opened store and closes it, whatever happens. */
async function withStore<T>(open: () => Promise<StorageAdapter>, fn: (store: StorageAdapter) => Promise<T>): Promise<T> {
  const store = await open();
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

const put = (key: string, value: unknown): StorageChange => ({ op: "put", key, value });
const keys = (records: [string, unknown][]) => records.map(([key]) => key);
const pad = (n: number) => String(n).padStart(6, "0");

export const storageChecks: StorageCheck[] = [
  {
    name: "read returns the records under a prefix in key order, whatever the order of the puts",
    run: (open) =>
      withStore(open, async (store) => {
        expectEqual(await store.read(""), [], "an empty store");
        // UTF-16 code unit order: "Z" < "a" < "é" (U+00E9) < "😀" (a surrogate pair, U+D83D first).
        await store.write([put("k:b", 2), put("k:😀", 5), put("k:a", 1), put("k:é", 4), put("k:Z", 0)]);
        await store.write([put("k:a", 10)]);
        expectEqual(
          await store.read("k:"),
          [
            ["k:Z", 0],
            ["k:a", 10],
            ["k:b", 2],
            ["k:é", 4],
            ["k:😀", 5],
          ],
          "read k:",
        );
        expectEqual(await store.read("k:a"), [["k:a", 10]], "read k:a");
        expectEqual(await store.read("x"), [], "read x");
      }),
  },
  {
    name: "a prefix is a string prefix: m:1: does not see m:10:",
    run: (open) =>
      withStore(open, async (store) => {
        await store.write([put("m:1:0001", "a"), put("m:10:0001", "b"), put("m:1:0002", "c"), put("m:2:0001", "d")]);
        expectEqual(keys(await store.read("m:1:")), ["m:1:0001", "m:1:0002"], "read m:1:");
        expectEqual(keys(await store.read("m:10:")), ["m:10:0001"], "read m:10:");
        // "0" (U+0030) sorts before ":" (U+003A).
        expectEqual(keys(await store.read("m:1")), ["m:10:0001", "m:1:0001", "m:1:0002"], "read m:1");
        expectEqual(keys(await store.read("")), ["m:10:0001", "m:1:0001", "m:1:0002", "m:2:0001"], "read everything");
      }),
  },
  {
    name: "patch merges into an existing record, removes fields given as undefined, skips a missing one",
    run: (open) =>
      withStore(open, async (store) => {
        await store.write([put("m:1", { content: "hi", edited: false, reactions: { "👍": 1 }, pinned: true })]);
        await store.write([{ op: "patch", key: "m:1", fields: { content: "hello", edited: true, pinned: undefined } }]);
        expectEqual(await store.read("m:"), [["m:1", { content: "hello", edited: true, reactions: { "👍": 1 } }]], "patched");
        // Shallow: a nested object is replaced, not merged.
        await store.write([{ op: "patch", key: "m:1", fields: { reactions: { "🎉": 2 } } }]);
        expectEqual(await store.read("m:1"), [["m:1", { content: "hello", edited: true, reactions: { "🎉": 2 } }]], "replaced");
        await store.write([{ op: "patch", key: "m:2", fields: { content: "never cached" } }]);
        expectEqual(keys(await store.read("m:")), ["m:1"], "a patch of a missing record adds nothing");
      }),
  },
  {
    name: "delete removes one record; deleting a missing one is no error",
    run: (open) =>
      withStore(open, async (store) => {
        await store.write([put("a", 1), put("b", 2), put("bb", 3)]);
        await store.write([{ op: "delete", key: "b" }]);
        await store.write([{ op: "delete", key: "nothing" }]);
        expectEqual(
          await store.read(""),
          [
            ["a", 1],
            ["bb", 3],
          ],
          "after deletes",
        );
      }),
  },
  {
    name: "trim keeps the last N under a prefix (N, 0 and more than there are)",
    run: (open) =>
      withStore(open, async (store) => {
        const messages = (conversation: number) =>
          Array.from({ length: 5 }, (_, i) => put(`m:${conversation}:${pad(i + 1)}`, { seq: i + 1 }));
        await store.write([...messages(1), ...messages(10), ...messages(2)]);
        await store.write([{ op: "trim", prefix: "m:1:", keep: 2 }]);
        expectEqual(keys(await store.read("m:1:")), ["m:1:000004", "m:1:000005"], "keep 2");
        expectEqual((await store.read("m:10:")).length, 5, "m:10: untouched by trimming m:1:");
        await store.write([{ op: "trim", prefix: "m:10:", keep: 99 }]);
        expectEqual((await store.read("m:10:")).length, 5, "keep more than there are");
        await store.write([{ op: "trim", prefix: "m:2:", keep: 0 }]);
        expectEqual(await store.read("m:2:"), [], "keep 0");
        await store.write([{ op: "trim", prefix: "m:3:", keep: 1 }]);
        expectEqual(keys(await store.read("")).length, 7, "trim of an empty prefix");
      }),
  },
  {
    name: "deletePrefix removes every record under the prefix and nothing else",
    run: (open) =>
      withStore(open, async (store) => {
        await store.write([put("m:1:1", 1), put("m:1:2", 2), put("m:10:1", 3), put("m:1", 4), put("n:1:1", 5)]);
        await store.write([{ op: "deletePrefix", prefix: "m:1:" }]);
        expectEqual(keys(await store.read("")), ["m:1", "m:10:1", "n:1:1"], "after deletePrefix m:1:");
      }),
  },
  {
    name: "the changes of one write apply in order",
    run: (open) =>
      withStore(open, async (store) => {
        await store.write([put("gone", 0), put("kept", 0)]);
        await store.write([
          put("a", 1),
          put("a", 2),
          { op: "patch", key: "b", fields: { x: 1 } },
          put("b", { y: 1 }),
          { op: "patch", key: "b", fields: { x: 2 } },
          { op: "delete", key: "gone" },
          { op: "delete", key: "c" },
          put("c", 3),
          put("t:1", 1),
          put("t:2", 2),
          put("t:3", 3),
          { op: "trim", prefix: "t:", keep: 1 },
          put("t:0", 0),
          put("d:1", 1),
          { op: "deletePrefix", prefix: "d:" },
          put("d:2", 2),
        ]);
        expectEqual(
          await store.read(""),
          [
            ["a", 2],
            ["b", { y: 1, x: 2 }],
            ["c", 3],
            ["d:2", 2],
            ["kept", 0],
            ["t:0", 0],
            ["t:3", 3],
          ],
          "after one write of 16 changes",
        );
      }),
  },
  {
    name: "writes and reads apply in call order without waiting for each other",
    run: (open) =>
      withStore(open, async (store) => {
        const writes = Array.from({ length: 50 }, (_, i) => store.write([put("counter", i), put(`w:${pad(i)}`, i)]));
        // Called before any write resolved: it sees all of them, as IndexedDB orders transactions.
        const read = store.read("");
        await Promise.all(writes);
        const records = await read;
        expectEqual(records.length, 51, "records seen by a read called after 50 writes");
        expectEqual(records[0], ["counter", 49], "the last write to a key wins");
      }),
  },
  {
    name: "clear removes everything and the store stays usable",
    run: (open) =>
      withStore(open, async (store) => {
        await store.write([put("a", 1), put("m:1:1", { x: 1 })]);
        await store.clear();
        expectEqual(await store.read(""), [], "after clear");
        await store.write([put("b", 2)]);
        expectEqual(await store.read(""), [["b", 2]], "a write after clear");
      }),
  },
  {
    name: "Uint8Array values come back as Uint8Array, nested or not",
    run: (open) =>
      withStore(open, async (store) => {
        const bytes = new Uint8Array(256).map((_, i) => i);
        // A view on part of a larger buffer: only its own bytes are stored.
        const slice = new Uint8Array(new Uint8Array([9, 8, 7, 6]).buffer, 1, 2);
        await store.write([put("f:1", bytes), put("f:2", { name: "a.bin", files: [slice, new Uint8Array(0)] })]);
        const [[, first], [, second]] = (await store.read("f:")) as [
          [string, unknown],
          [string, { name: string; files: unknown[] }],
        ];
        expectBytes(first, [...bytes], "f:1");
        expectEqual(second.name, "a.bin", "f:2 name");
        expectBytes(second.files[0], [8, 7], "f:2 files[0]");
        expectBytes(second.files[1], [], "f:2 files[1]");
      }),
  },
  {
    name: "values come back as written after close and reopen",
    persistent: true,
    run: async (open) => {
      // Objects shaped like a file adapter's own encoding must come back as plain objects.
      const odd = { $bytes: "AAEC", nested: [{ $bytes: "AAEC" }, { $obj: { a: 1 } }, "line\nbreak", "\u2028", null] };
      const expected = [
        ["c:1", { cursor: 41 }],
        ["m:1:000001", { content: 'é😀"quoted"', edited: true }],
        ["m:1:000003", { content: "three" }],
        ["odd", odd],
        ["outbox:1", { name: "a.bin" }],
      ];
      await withStore(open, async (store) => {
        await store.write([put("c:1", { cursor: 40 }), put("gone", 1)]);
        await store.write([
          put("m:1:000000", { content: "trimmed" }),
          put("m:1:000001", { content: 'é😀"quoted"', edited: false, extra: 1 }),
          put("m:1:000002", { content: "two" }),
          put("m:1:000003", { content: "three" }),
          put("odd", odd),
          put("outbox:1", { name: "a.bin", bytes: new Uint8Array([1, 2, 3]) }),
        ]);
        await store.write([
          { op: "patch", key: "m:1:000001", fields: { edited: true, extra: undefined } },
          { op: "patch", key: "c:1", fields: { cursor: 41 } },
          { op: "delete", key: "gone" },
          { op: "trim", prefix: "m:1:", keep: 3 },
          { op: "deletePrefix", prefix: "m:1:000002" },
        ]);
      });
      await withStore(open, async (store) => {
        const records = await store.read("");
        const outbox = records.find(([key]) => key === "outbox:1")?.[1] as { bytes?: unknown } | undefined;
        expectBytes(outbox?.bytes, [1, 2, 3], "outbox bytes after reopen");
        delete outbox?.bytes;
        expectEqual(records, expected, "records after reopen");
        await store.write([put("after", "reopen")]);
      });
      await withStore(open, async (store) => {
        expectEqual(keys(await store.read("")), ["after", "c:1", "m:1:000001", "m:1:000003", "odd", "outbox:1"], "second reopen");
      });
    },
  },
  {
    name: "clear survives a reopen",
    persistent: true,
    run: async (open) => {
      await withStore(open, (store) => store.write([put("a", 1), put("b", new Uint8Array([1]))]));
      await withStore(open, (store) => store.clear());
      await withStore(open, async (store) => expectEqual(await store.read(""), [], "after clear and reopen"));
    },
  },
  {
    name: "1,000 records in one write and 1,000 more in 100 writes read back in order",
    run: (open) =>
      withStore(open, async (store) => {
        const record = (i: number) => ({ seq: i, content: `message ${i}`, sender_id: i % 7 });
        await store.write(Array.from({ length: 1000 }, (_, i) => put(`m:1:${pad(1000 - i)}`, record(1000 - i))));
        await Promise.all(
          Array.from({ length: 100 }, (_, w) =>
            store.write(Array.from({ length: 10 }, (_, i) => put(`m:2:${pad(w * 10 + i + 1)}`, record(w * 10 + i + 1)))),
          ),
        );
        for (const conversation of [1, 2]) {
          const records = await store.read(`m:${conversation}:`);
          expectEqual(records.length, 1000, `records of conversation ${conversation}`);
          records.forEach(([key, value], i) => {
            expectEqual([key, value], [`m:${conversation}:${pad(i + 1)}`, record(i + 1)], `record ${i + 1}`);
          });
        }
      }),
  },
];
