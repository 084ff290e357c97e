import pino, { type Logger } from "pino";
import pretty from "pino-pretty";
import type { Config } from "./config.js";
import { redactSecrets } from "./log-redaction.js";

/**
 * The options every logger of the server takes: tokens redacted from the fields that may
 * hold one, and credentials in URLs hidden from every line, whatever wrote it.
 */
export function loggerOptions(level: Config["logLevel"] | "silent"): pino.LoggerOptions {
  return {
    level,
    redact: {
      paths: [
        "token",
        "*.token",
        "authorization",
        "*.authorization",
        "headers.authorization",
        "req.headers.authorization",
        // The admin API's key header (http/admin-guard.ts).
        'headers["x-api-key"]',
        'req.headers["x-api-key"]',
        '*["x-api-key"]',
        // The S3 store's key, should a configuration (or its `files` or `s3` part) be logged.
        "secretAccessKey",
        "*.secretAccessKey",
        "*.*.secretAccessKey",
      ],
      censor: "[redacted]",
    },
    hooks: { streamWrite: redactSecrets },
  };
}

/**
 * pino: JSON lines by default (for log collectors), readable when LOG_FORMAT=pretty or when
 * writing to a terminal.
 */
export function createLogger(config: Pick<Config, "logLevel" | "logFormat">): Logger {
  const options = loggerOptions(config.logLevel);
  if (config.logFormat === "pretty") {
    return pino(options, pretty({ colorize: true, translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname", sync: true }));
  }
  return pino(options);
}
