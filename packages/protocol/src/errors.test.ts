import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { CLOSE, REFUSALS } from "./errors.js";

const protocolDoc = readFileSync(resolve(import.meta.dirname, "../../../docs/protocol.md"), "utf8");

/** The cells of the table between `<!-- name:start -->` and `<!-- name:end -->`, header and rule left out. */
function table(name: string): string[][] {
  const start = protocolDoc.indexOf(`<!-- ${name}:start -->`);
  const end = protocolDoc.indexOf(`<!-- ${name}:end -->`);
  expect(start, `docs/protocol.md has a ${name} table`).toBeGreaterThan(-1);
  return protocolDoc
    .slice(start, end)
    .split("\n")
    .filter((line) => line.startsWith("|"))
    .slice(2)
    .map((line) =>
      line
        .split("|")
        .slice(1, -1)
        .map((cell) => cell.trim().replace(/^`|`$/g, "")),
    );
}

describe("docs/protocol.md and the catalogue agree", () => {
  it("lists every refusal with its codes, status and default message, and nothing else", () => {
    const documented = table("refusals").map(([name, code, status, socket, message]) => ({
      name,
      code,
      status: Number(status),
      socket,
      message,
    }));
    const catalogue = Object.entries(REFUSALS).map(([name, r]) => ({ name, ...r }));
    expect(documented).toEqual(catalogue);
  });

  it("lists every close code with its name, and nothing else", () => {
    const documented = table("close").map(([code, name]) => [name, Number(code)]);
    expect(Object.fromEntries(documented)).toEqual(CLOSE);
    expect(documented).toHaveLength(Object.keys(CLOSE).length);
  });
});
