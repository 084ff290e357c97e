#!/usr/bin/env node
// Only the help and the argument checks load here: each command imports the server's modules
// when it runs, so `chatapp --help` and a mistyped option answer at once.
import { type ParseArgsConfig, parseArgs } from "node:util";

const USAGE = `Usage: chatapp <command> [options]

Commands:
  serve                      start the server
  migrate                    bring the database schema up to date, then exit
  token --user <id> [--ttl <seconds>]
                             print a token for that user, signed with the server's secret
  apikey create --name <name> | list | revoke <name|id>
                             make, list or revoke API keys of the admin API
  help [command]             print this help, or a command's

Run \`chatapp <command> --help\` for a command's options. Configuration comes from the
environment and a .env file in the current folder; see the README for every variable.`;

/** Each command's own help, printed by `chatapp <command> --help` and `chatapp help <command>`. */
const HELP: Record<string, string> = {
  serve: `Usage: chatapp serve

Starts the server: migrates the database, then listens on HOST:PORT (default 0.0.0.0:8081)
and serves the web client at /. SIGTERM or SIGINT stops it gracefully.

Without JWT_SECRET (outside NODE_ENV=production, which requires it) the server generates a
secret on first start and keeps it in the data folder (./data/jwt-secret beside the SQLite
file), so sessions survive restarts.`,
  migrate: `Usage: chatapp migrate

Brings the database schema up to date and exits; safe while other nodes start (migrations
run under a lock). \`chatapp serve\` does this by itself.`,
  token: `Usage: chatapp token --user <id> [--ttl <seconds>]

Prints a token for user <id>, valid for --ttl seconds (default 86400), signed with the
secret the server uses: JWT_SECRET, or without it the development secret kept in the data
folder (made now if the server never ran). Run it from the folder the server starts in, with
the same environment.

Options:
  --user <id>        the user id (a positive whole number)
  --ttl <seconds>    how long the token is valid (at most JWT_MAX_LIFETIME)
  -h, --help         print this help`,
  apikey: `Usage: chatapp apikey create --name <name>
       chatapp apikey list
       chatapp apikey revoke <name|id>

Keys for the admin API (/api/admin/…), sent as \`Authorization: Bearer <key>\` or
\`X-Api-Key: <key>\`. Uses the database a server started here would (same environment and
.env file as \`chatapp serve\`), migrating it first. Running servers see a new or revoked
key within a few seconds, without a restart.

  create --name <name>   makes a key and prints it, alone on one line; it is shown only
                         this once (the database keeps only its SHA-256). Names have 1 to 64
                         characters and are unique, revoked keys' included (a taken or bad
                         name: exit 2)
  list                   prints one line per key: id, name, when it was created and last
                         used, and when revoked; never a key
  revoke <name|id>       revokes a key (a name first, then an id); unknown: exit 2

Options:
  -h, --help         print this help`,
};

async function apikey(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  const commands = () => import("./cli-commands.js");
  if (sub === "create") {
    const values = parseCommandArgs("apikey", rest, { name: { type: "string" } });
    if (typeof values.name !== "string") fail("apikey create: --name <name> is required");
    await (await commands()).createApiKey(values.name);
  } else if (sub === "list") {
    parseCommandArgs("apikey", rest, {});
    await (await commands()).listApiKeys();
  } else if (sub === "revoke") {
    const { positionals } = parseCommandPositionals("apikey", rest);
    if (positionals.length !== 1) fail("apikey revoke: give one key name or id");
    await (await commands()).revokeApiKey(positionals[0] as string);
  } else if (sub === "--help" || sub === "-h") {
    process.stdout.write(`${HELP.apikey}\n`);
  } else {
    process.stderr.write(
      `chatapp apikey: ${sub === undefined ? "a subcommand is needed" : `unknown subcommand "${sub}"`}\n\n${HELP.apikey}\n`,
    );
    process.exit(2);
  }
}

async function token(args: string[]): Promise<void> {
  const values = parseCommandArgs("token", args, { user: { type: "string" }, ttl: { type: "string" } });
  const user = Number(values.user);
  const ttl = values.ttl === undefined ? 24 * 3600 : Number(values.ttl);
  if (typeof values.user !== "string" || !Number.isSafeInteger(user) || user < 1)
    fail("token: --user <id> must be a positive whole number");
  if (!Number.isSafeInteger(ttl) || ttl < 1) fail("token: --ttl <seconds> must be a positive whole number");
  await (await import("./cli-commands.js")).printToken(user, ttl);
}

/**
 * A command's options, strictly: `--help` prints the command's help and exits 0; an unknown
 * option or a stray argument is a usage error (exit 2), said in one line, not a stack trace.
 */
function parseCommandArgs(
  command: string,
  args: string[],
  options: ParseArgsConfig["options"] = {},
): Record<string, string | boolean | undefined> {
  try {
    const { values } = parseArgs({ args, options: { ...options, help: { type: "boolean", short: "h" } }, strict: true });
    if (values.help) {
      process.stdout.write(`${HELP[command]}\n`);
      process.exit(0);
    }
    return values as Record<string, string | boolean | undefined>;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code !== "string" || !code.startsWith("ERR_PARSE_ARGS_")) throw err;
    process.stderr.write(`chatapp ${command}: ${(err as Error).message}\n\n${HELP[command]}\n`);
    process.exit(2);
  }
}

/** Like parseCommandArgs, for a command taking one or more plain arguments and no options. */
function parseCommandPositionals(command: string, args: string[]): { positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: { help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: true,
    });
    if (values.help) {
      process.stdout.write(`${HELP[command]}\n`);
      process.exit(0);
    }
    return { positionals };
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code !== "string" || !code.startsWith("ERR_PARSE_ARGS_")) throw err;
    process.stderr.write(`chatapp ${command}: ${(err as Error).message}\n\n${HELP[command]}\n`);
    process.exit(2);
  }
}

function fail(message: string): never {
  process.stderr.write(`chatapp ${message}\n`);
  process.exit(2);
}

const [command, ...rest] = process.argv.slice(2);
switch (command) {
  case "serve":
    parseCommandArgs("serve", rest, {});
    await (await import("./serve.js")).serve();
    break;
  case "migrate":
    parseCommandArgs("migrate", rest, {});
    await (await import("./cli-commands.js")).migrate();
    break;
  case "token":
    await token(rest);
    break;
  case "apikey":
    await apikey(rest);
    break;
  case "help":
  case "--help":
  case "-h": {
    const [topic] = rest;
    if (topic !== undefined && HELP[topic] === undefined) {
      process.stderr.write(`chatapp: no command "${topic}"\n\n${USAGE}\n`);
      process.exit(2);
    }
    process.stdout.write(`${topic === undefined ? USAGE : HELP[topic]}\n`);
    break;
  }
  case undefined:
    // Starting a server is never a surprise: it takes `chatapp serve`. Exit 1, since nothing
    // was done (a script that meant to start the server fails instead of going on).
    process.stdout.write(`${USAGE}\n`);
    process.exit(1);
    break;
  default:
    process.stderr.write(`chatapp: unknown command "${command}"\n\n${USAGE}\n`);
    process.exit(2);
}
