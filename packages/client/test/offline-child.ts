/**
 * A Node process using the SDK with file storage, for the crash test: it sends while the
 * server is unreachable, says "stored" once its outbox is on disk, and waits to be killed.
 * Arguments: <storage file> <ws url> <token> <conversation id> <texts, comma-separated>.
 */
import { readFileSync } from "node:fs";
import { ChatClient, fileStorage } from "@chatapp/client";

const [file, url, token, conversation, texts] = process.argv.slice(2) as [string, string, string, string, string];
const client = new ChatClient({ url, token, storage: fileStorage(file), sendTimeoutMs: 0 });
client.connect().catch(() => {});
const sends = texts.split(",").map((text) => client.send({ conversationId: Number(conversation) }, text));
for (const s of sends) s.catch(() => {});
const ids = client.queuedSends().map((s) => s.clientId);
const deadline = Date.now() + 20_000;
const timer = setInterval(() => {
  // The file appears with the first write: until then, nothing is stored.
  let log = "";
  try {
    log = readFileSync(file, "utf8");
  } catch {}
  if (ids.every((id) => log.includes(id))) {
    clearInterval(timer);
    process.stdout.write("stored\n");
  } else if (Date.now() > deadline) {
    process.stdout.write("never stored\n");
    process.exit(1);
  }
}, 20);
