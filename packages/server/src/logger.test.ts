import { Writable } from "node:stream";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.js";
import { loggerOptions } from "./logger.js";

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: pino(loggerOptions("info"), stream), lines };
}

describe("loggerOptions", () => {
  it("never writes the S3 secret key, however much of the configuration is logged", () => {
    const secret = "wJalrXUtnFEMI-K7MDENG-bPxRfiCY";
    const config = loadConfig({ S3_BUCKET: "chat-files", S3_ACCESS_KEY_ID: "AKIDEXAMPLE", S3_SECRET_ACCESS_KEY: secret });
    const { logger, lines } = capture();
    logger.info(config.files.s3, "s3");
    logger.info(config.files, "files");
    logger.info({ files: config.files }, "config");
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      expect(line).not.toContain(secret);
      expect(line).toContain("AKIDEXAMPLE");
      expect(line).toContain('"secretAccessKey":"[redacted]"');
    }
  });
});
