import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exited, runCli } from "@chatapp/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/** A stack frame as Node prints one: a thrown error reached the user instead of a sentence. */
const STACK_FRAME = /^\s+at .+[:(]/m;

describe("the chatapp command", { timeout: 90_000 }, () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "chatapp-cli-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = async (args: string[]) => {
    const child = runCli(args, {}, dir);
    const code = await exited(child);
    return { code, output: child.output() };
  };
  // Side by side: each run starts Node and tsx, seconds apiece on a busy 2-core machine.
  const runAll = (argsList: string[][]) => Promise.all(argsList.map(run));

  it("prints the help and exits 1 without a command, instead of starting a server", async () => {
    const { code, output } = await run([]);
    expect(code).toBe(1);
    expect(output).toMatch(/^Usage: chatapp <command>/);
    for (const command of ["serve", "migrate", "token"]) expect(output).toContain(`  ${command}`);
    expect(output).not.toMatch(/listening|migrat(ing|ed)/);
    // Nothing was started or created: no database, no secret.
    expect(existsSync(join(dir, "data"))).toBe(false);
  });

  it("prints the help and exits 0 for --help, -h and help", async () => {
    const argsList = [["--help"], ["-h"], ["help"]];
    for (const [i, { code, output }] of (await runAll(argsList)).entries()) {
      expect(code, argsList[i]?.join(" ")).toBe(0);
      expect(output).toMatch(/^Usage: chatapp <command>/);
    }
  });

  it("prints each command's help for `<command> --help`, `-h` and `help <command>`, without a stack trace", async () => {
    const commands = ["serve", "migrate", "token"];
    const argsList = commands.flatMap((command) => [
      [command, "--help"],
      [command, "-h"],
      ["help", command],
    ]);
    for (const [i, { code, output }] of (await runAll(argsList)).entries()) {
      const args = argsList[i] ?? [];
      const command = args[0] === "help" ? args[1] : args[0];
      expect(code, args.join(" ")).toBe(0);
      expect(output).toMatch(new RegExp(`^Usage: chatapp ${command}`));
      expect(output).not.toMatch(STACK_FRAME);
      if (command === "token") expect(output).toContain("--ttl <seconds>");
    }
    expect(existsSync(join(dir, "data"))).toBe(false);
  });

  it("refuses an unknown option or argument with one line and the command's help (exit 2)", async () => {
    const argsList = [
      ["token", "--usr", "1"],
      ["serve", "--port", "80"],
      ["migrate", "now"],
      ["token", "--user"],
    ];
    for (const [i, { code, output }] of (await runAll(argsList)).entries()) {
      const args = argsList[i] ?? [];
      expect(code, args.join(" ")).toBe(2);
      expect(output).toMatch(new RegExp(`^chatapp ${args[0]}: `));
      expect(output).toContain(`Usage: chatapp ${args[0]}`);
      expect(output).not.toMatch(STACK_FRAME);
    }
  });

  it("refuses an unknown command or help topic (exit 2)", async () => {
    const argsList = [["start"], ["help", "start"]];
    for (const [i, { code, output }] of (await runAll(argsList)).entries()) {
      expect(code, argsList[i]?.join(" ")).toBe(2);
      expect(output).toContain('"start"');
      expect(output).toContain("Usage: chatapp <command>");
    }
  });
});
