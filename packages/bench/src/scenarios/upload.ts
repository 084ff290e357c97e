import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createHistogram } from "node:perf_hooks";
import type { Target } from "../targets.js";

export interface UploadOptions {
  /** Files uploaded in all. */
  count: number;
  /** Bytes in each file. */
  size: number;
  /** Uploads in flight at once. */
  concurrency: number;
  progress: (line: string) => void;
}

export interface UploadResult {
  uploaded: number;
  /** Answers that were not 201 with the file's size (each one fails the run). */
  failed: number;
  seconds: number;
  /** Payload megabytes (10^6 bytes) stored per second, over the whole run. */
  megabytesPerSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
  rssBeforeMiB: number;
  rssMedianMiB: number;
  rssPeakMiB: number;
}

/** The first few refusals, for the report on stderr (the rest are only counted). */
const SHOWN_FAILURES = 5;
/** How often the server's memory is read while the uploads run. */
const RSS_EVERY_MS = 20;
/** The longest one upload may take before it counts as failed. */
const UPLOAD_TIMEOUT_MS = 60_000;

/** `1048576`, `1024KiB`, `1MiB` (binary units, as UPLOAD_MAX_BYTES is given in bytes). */
export function parseSize(raw: string): number {
  const m = /^(\d+)\s*(B|KiB|MiB)?$/i.exec(raw.trim());
  const unit = { b: 1, kib: 1024, mib: 1024 ** 2 }[(m?.[2] ?? "b").toLowerCase()] ?? 1;
  const bytes = m ? Number(m[1]) * unit : Number.NaN;
  if (!Number.isSafeInteger(bytes) || bytes < 1 || bytes > 1024 ** 3)
    throw new Error(`--size must be from 1 byte to 1024MiB, such as 1048576 or 1MiB (got ${JSON.stringify(raw)})`);
  return bytes;
}

/** Resident memory of a process, from /proc (KiB). */
function rssKiB(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

const mib = (kib: number) => Math.round(kib / 102.4) / 10;

/**
 * `count` files of `size` random bytes (nothing to compress, nothing sniffed as an image) sent
 * to `POST /api/uploads` with `concurrency` in flight, each as its own user's multipart form
 * through Node's fetch. Every answer must be 201 with the file's size. Reports the payload
 * throughput, each upload's latency, and the server's resident memory read every 20 ms.
 */
export async function runUpload(target: Target, options: UploadOptions): Promise<UploadResult> {
  const http = target.url.replace(/^ws/, "http").replace(/\/ws$/, "");
  // One user per worker, so a per-user budget, were one left on, would show as refusals.
  const base = 30_000_000 + Math.floor(Math.random() * 1_000_000) * 100;
  const tokens = await Promise.all(Array.from({ length: options.concurrency }, (_, i) => target.token(base + i)));
  // A few distinct files, reused in turn: fresh random bytes per upload would measure the generator.
  const files = Array.from({ length: Math.min(options.count, 8) }, () => new Blob([randomBytes(options.size)]));
  options.progress(`${target.name}: ${options.count} uploads of ${options.size} bytes, ${options.concurrency} at once`);

  const before = rssKiB(target.pid);
  const samples: number[] = [];
  const sampler = setInterval(() => {
    const kib = rssKiB(target.pid);
    if (Number.isFinite(kib)) samples.push(kib);
  }, RSS_EVERY_MS);
  const histogram = createHistogram();
  let failed = 0;
  let next = 0;
  const failures: string[] = [];
  const fail = (why: string) => {
    failed++;
    if (failures.length < SHOWN_FAILURES) failures.push(why);
  };
  const uploadOne = async (i: number, token: string) => {
    const form = new FormData();
    form.append("file", files[i % files.length] as Blob, `bench-${i}.bin`);
    const started = performance.now();
    try {
      const res = await fetch(`${http}/api/uploads`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
        body: form,
        signal: AbortSignal.timeout(UPLOAD_TIMEOUT_MS),
      });
      const text = await res.text();
      histogram.record(Math.max(1, Math.round((performance.now() - started) * 1000)));
      let size: unknown;
      try {
        size = (JSON.parse(text) as { size?: unknown }).size;
      } catch {
        size = undefined;
      }
      if (res.status !== 201 || size !== options.size)
        fail(`upload ${i}: ${res.status} ${text.slice(0, 200)} (wanted 201 with size ${options.size})`);
    } catch (err) {
      fail(`upload ${i}: ${(err as Error).message}`);
    }
  };
  const started = performance.now();
  try {
    await Promise.all(
      tokens.map(async (token) => {
        while (next < options.count) {
          const i = next++;
          await uploadOne(i, token);
          if ((i + 1) % 25 === 0) options.progress(`${target.name}: ${i + 1}/${options.count} sent`);
        }
      }),
    );
  } finally {
    clearInterval(sampler);
  }
  const seconds = (performance.now() - started) / 1000;
  for (const why of failures) options.progress(`${target.name}: FAILED ${why}`);
  if (failed > failures.length) options.progress(`${target.name}: ... and ${failed - failures.length} more failed`);

  const sorted = [...samples].sort((a, b) => a - b);
  const uploaded = options.count - failed;
  const ms = (micros: number) => Math.round(micros / 10) / 100;
  return {
    uploaded,
    failed,
    seconds,
    megabytesPerSecond: Math.round(((uploaded * options.size) / 1e6 / seconds) * 10) / 10,
    latencyMs: { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max) },
    rssBeforeMiB: mib(before),
    rssMedianMiB: mib(sorted[Math.floor(sorted.length / 2)] ?? Number.NaN),
    rssPeakMiB: mib(sorted[sorted.length - 1] ?? Number.NaN),
  };
}
