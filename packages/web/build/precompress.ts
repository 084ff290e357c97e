import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { brotliCompress, constants, gzip } from "node:zlib";
import type { Plugin, ResolvedConfig } from "vite";

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/** Text files worth compressing; images and fonts are compressed already. */
const COMPRESSIBLE = /\.(?:js|mjs|css|html|svg|json|txt|webmanifest)$/;
/** Below this a compressed copy saves less than the headers it costs. */
const MIN_BYTES = 1024;

/**
 * Writes a `.br` and a `.gz` copy beside every text file of the build, at the strongest
 * settings (brotli 11, gzip 9): done once per build instead of on every request. The server
 * (@fastify/static with `preCompressed`) sends the copy the browser accepts with
 * Content-Encoding, and the file itself to a client that accepts neither. A copy that would
 * not be smaller is not written.
 */
export function precompress(): Plugin {
  let outDir = "";
  return {
    name: "chatapp:precompress",
    apply: "build",
    configResolved(config: ResolvedConfig) {
      outDir = join(config.root, config.build.outDir);
    },
    // After the bundle and the public folder's files are both in outDir.
    async closeBundle() {
      await Promise.all((await textFiles(outDir)).map(compressBeside));
    },
  };
}

async function textFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  const files = entries.filter((e) => e.isFile() && COMPRESSIBLE.test(e.name)).map((e) => join(e.parentPath, e.name));
  const sizes = await Promise.all(files.map((file) => stat(file)));
  return files.filter((_, i) => (sizes[i]?.size ?? 0) >= MIN_BYTES);
}

async function compressBeside(file: string): Promise<void> {
  const bytes = await readFile(file);
  const [br, gz] = await Promise.all([
    brotli(bytes, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      },
    }),
    gzipAsync(bytes, { level: constants.Z_BEST_COMPRESSION }),
  ]);
  await Promise.all([
    br.length < bytes.length ? writeFile(`${file}.br`, br) : undefined,
    gz.length < bytes.length ? writeFile(`${file}.gz`, gz) : undefined,
  ]);
}
