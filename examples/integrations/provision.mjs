// Provisioning from an application's backend through ChatApp's admin API: users with the
// application's own ids, a token for each, a group, a message from a bot and a notice.
//   CHATAPP_URL=http://localhost:8081 CHATAPP_API_KEY=<key> node examples/integrations/provision.mjs
import { pathToFileURL } from "node:url";

/** An admin API answer other than 2xx: the HTTP status and the body's error code. */
export class AdminApiError extends Error {
  /** @param {number} status @param {string} code @param {string} message */
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * A caller of /api/admin/… that presents the API key (`X-Api-Key` works too) and throws
 * AdminApiError for anything but 2xx.
 * @param {string} baseUrl @param {string} apiKey
 */
export function adminClient(baseUrl, apiKey) {
  /** @param {string} method @param {string} path @param {unknown} [body] @returns {Promise<any>} */
  return async function admin(method, path, body) {
    const res = await fetch(new URL(path, baseUrl), {
      method,
      headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    const json = text ? JSON.parse(text) : undefined;
    if (!res.ok) {
      const error = json?.error ?? { code: "http_error", message: text };
      throw new AdminApiError(res.status, error.code, `${method} ${path}: ${res.status} ${error.code}: ${error.message}`);
    }
    return json;
  };
}

/**
 * Creates a user under the application's own id, or returns the one an earlier run created
 * (409 `conflict`: the id is taken), so the script can run again.
 * @param {ReturnType<typeof adminClient>} admin
 * @param {{ id: number, username: string, display_name: string, bot?: boolean }} user
 */
export async function ensureUser(admin, user) {
  try {
    return await admin("POST", "/api/admin/users", user);
  } catch (err) {
    if (err instanceof AdminApiError && err.status === 409) return admin("GET", `/api/admin/users/${user.id}`);
    throw err;
  }
}

/** @param {{ baseUrl: string, apiKey: string }} options */
export async function provision({ baseUrl, apiKey }) {
  const admin = adminClient(baseUrl, apiKey);

  // 1. Users, under the application's own ids (1 … 2^48), and a bot.
  const ann = await ensureUser(admin, { id: 1001, username: "ann", display_name: "Ann" });
  const bob = await ensureUser(admin, { id: 1002, username: "bob", display_name: "Bob" });
  const bot = await ensureUser(admin, { id: 1900, username: "helpbot", display_name: "Help bot", bot: true });

  // 2. A token for each person: the application hands it to its client (web, SDK) after its
  //    own login, and mints a new one before `expires_at`.
  const tokens = [];
  for (const user of [ann, bob]) {
    const { token, expires_at } = await admin("POST", `/api/admin/users/${user.id}/tokens`, { ttl: 3600 });
    tokens.push({ user_id: user.id, token, expires_at });
  }

  // 3. A group with its members; Ann owns it.
  const group = await admin("POST", "/api/admin/conversations", {
    kind: "group",
    title: "Launch",
    member_ids: [ann.id, bob.id, bot.id],
    owner_ids: [ann.id],
  });

  // 4. The bot speaks: a user message from a member (it passes the before-send hook). The
  //    client_id makes a retry of this request store nothing new.
  const botMessage = await admin("POST", `/api/admin/conversations/${group.id}/messages`, {
    sender_id: bot.id,
    content: "Welcome! Ask me anything about the launch.",
    client_id: `welcome-${group.id}`,
  });

  // 5. A notice: no sender_id, a system message every member gets (never unread, no hook).
  const notice = await admin("POST", `/api/admin/conversations/${group.id}/messages`, {
    content: "Maintenance tonight at 22:00 UTC.",
    client_id: `maintenance-${group.id}`,
  });

  return { users: [ann, bob, bot], tokens, group, botMessage, notice };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const apiKey = process.env.CHATAPP_API_KEY;
  if (!apiKey) {
    console.error("set CHATAPP_API_KEY (ADMIN_API_KEY, or a key from `chatapp apikey create`)");
    process.exit(2);
  }
  const result = await provision({ baseUrl: process.env.CHATAPP_URL ?? "http://localhost:8081", apiKey });
  console.log(JSON.stringify(result, null, 2));
}
