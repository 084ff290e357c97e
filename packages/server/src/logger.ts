import pino, { type Logger } from "pino";
import pretty from "pino-pretty";
import type { Config } from "./config.js";

/**
 * pino: JSON lines by default (for log collectors), readable when LOG_FORMAT=pretty or when
 * writing to a terminal. Tokens are redacted wherever they might appear.
 */
export function createLogger(config: Pick<Config, "logLevel" | "logFormat">): Logger {
  const options: pino.LoggerOptions = {
    level: config.logLevel,
    redact: {
      paths: ["token", "*.token", "authorization", "*.authorization", "headers.authorization", "req.headers.authorization"],
      censor: "[redacted]",
    },
  };
  if (config.logFormat === "pretty") {
    return pino(options, pretty({ colorize: true, translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname", sync: true }));
  }
  return pino(options);
}
