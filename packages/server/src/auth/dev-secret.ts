import { randomBytes } from "node:crypto";
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Config } from "../config.js";

/** Shorter than this, the file was not written by us (or was cut): refuse it rather than sign with it. */
const MIN_SECRET_LENGTH = 32;

export class DevSecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DevSecretError";
  }
}

/**
 * The development secret kept in `path`, made on first use. Outside production a server
 * started without JWT_SECRET (the README's quick start) uses it, so a restart keeps everyone
 * logged in, and `chatapp token` run from the same folder signs with the same secret.
 *
 * Created atomically: the secret is written whole to a private temporary file (mode 0600)
 * and hard-linked to its name, which fails if the name exists. Two processes starting at
 * once therefore both end up with whichever file landed first, never a half-written one.
 */
export function readOrCreateDevSecret(path: string): { secret: string; created: boolean } {
  const existing = readSecret(path);
  if (existing !== undefined) return { secret: existing, created: false };
  mkdirSync(dirname(path), { recursive: true });
  const secret = randomBytes(32).toString("base64url");
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  writeFileSync(temporary, `${secret}\n`, { mode: 0o600, flag: "wx" });
  try {
    linkSync(temporary, path);
    return { secret, created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    // Another process made it between our read and our link: use theirs.
    const theirs = readSecret(path);
    if (theirs === undefined) throw err;
    return { secret: theirs, created: false };
  } finally {
    unlinkSync(temporary);
  }
}

function readSecret(path: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  const secret = text.trim();
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new DevSecretError(
      `it holds no usable secret (${MIN_SECRET_LENGTH}+ characters); delete it to have a new one made (everyone logs in again)`,
    );
  }
  return secret;
}

/**
 * The config with its development secret read from (or saved to) the data folder, when the
 * config asks for one (no JWT_SECRET outside production); otherwise the config unchanged.
 */
export function withDevSecret(config: Config): Config {
  if (config.jwtSecretFile === undefined) return config;
  const { secret, created } = readOrCreateDevSecret(config.jwtSecretFile);
  return { ...config, jwtSecret: secret, jwtSecretCreated: created };
}
