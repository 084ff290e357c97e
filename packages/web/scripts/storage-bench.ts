/**
 * The SDK's IndexedDB adapter in headless Chromium: `npm run bench:storage -w @chatapp/web`
 * (options: --records N, --writes N). Bundles the adapter into a page (test/storage-page.ts)
 * and times, in the page: N single-record writes one after another (an outbox entry each,
 * durability "strict"), one write of --records puts (a page of messages), reading them back,
 * trimming them to 200 (the message cache's bound) and 100 patches one after another.
 */
import { parseArgs } from "node:util";
import { launchChromium } from "../test/chromium.js";
import { startStoragePage } from "../test/storage-page.js";

const { values } = parseArgs({
  options: { records: { type: "string", default: "1000" }, writes: { type: "string", default: "200" } },
});
const RECORDS = Number(values.records);
const WRITES = Number(values.writes);
if (!Number.isInteger(RECORDS) || RECORDS < 200 || RECORDS > 1_000_000) throw new Error("--records: 200 to 1,000,000");
if (!Number.isInteger(WRITES) || WRITES < 1 || WRITES > 100_000) throw new Error("--writes: 1 to 100,000");

type Change = { op: string; key?: string; value?: unknown; prefix?: string; keep?: number; fields?: object };
type Store = { write(changes: Change[]): Promise<void>; read(prefix: string): Promise<unknown[]>; close(): Promise<void> };
type PageGlobals = {
  storagePage: { indexedDbStorage(o: { name: string }): Store; deleteIndexedDbStorage(name: string): Promise<void> };
  performance: { now(): number };
};

const site = await startStoragePage();
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  await page.goto(site.url);
  // No named functions inside: tsx would wrap them in a helper the page does not have.
  const figures = await page.evaluate(
    async ({ records, writes }) => {
      const { storagePage, performance } = globalThis as unknown as PageGlobals;
      await storagePage.deleteIndexedDbStorage("bench");
      const store = storagePage.indexedDbStorage({ name: "bench" });
      await store.write([{ op: "put", key: "meta", value: { userId: 1 } }]);
      const marks = [performance.now()];
      for (let i = 0; i < writes; i++) {
        await store.write([
          { op: "put", key: `o:${String(i).padStart(16, "0")}`, value: { content: "x".repeat(200), owner: "a" } },
        ]);
      }
      marks.push(performance.now());
      const prefix = `m:${"7".padStart(16, "0")}:`;
      await store.write(
        Array.from({ length: records }, (_, i) => ({
          op: "put",
          key: `${prefix}${String(i + 1).padStart(16, "0")}`,
          value: { seq: i + 1, content: "y".repeat(300), sender_id: 2 },
        })),
      );
      marks.push(performance.now());
      await store.read(prefix);
      marks.push(performance.now());
      await store.write([{ op: "trim", prefix, keep: 200 }]);
      marks.push(performance.now());
      for (let i = 0; i < 100; i++) {
        await store.write([
          { op: "patch", key: `${prefix}${String(records - i).padStart(16, "0")}`, fields: { edited_at: "now" } },
        ]);
      }
      marks.push(performance.now());
      await store.close();
      await storagePage.deleteIndexedDbStorage("bench");
      const spans = marks.slice(1).map((mark, i) => mark - (marks[i] ?? mark));
      return {
        outboxWriteMs: (spans[0] ?? 0) / writes,
        writeRecordsMs: spans[1] ?? 0,
        readRecordsMs: spans[2] ?? 0,
        trimTo200Ms: spans[3] ?? 0,
        patchWriteMs: (spans[4] ?? 0) / 100,
      };
    },
    { records: RECORDS, writes: WRITES },
  );
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  console.log(`IndexedDB adapter, Chromium ${browser.version()}, ${RECORDS} records, ${WRITES} outbox writes`);
  console.log(`  one outbox write (1 put, strict):   ${ms(figures.outboxWriteMs)} each`);
  console.log(`  write ${RECORDS} puts in one write:      ${ms(figures.writeRecordsMs)}`);
  console.log(`  read ${RECORDS} records:                 ${ms(figures.readRecordsMs)}`);
  console.log(`  trim ${RECORDS} to 200:                  ${ms(figures.trimTo200Ms)}`);
  console.log(`  one patch write:                    ${ms(figures.patchWriteMs)} each`);
} finally {
  await browser.close();
  await site.stop();
}
