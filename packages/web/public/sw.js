// @ts-check
/// <reference lib="webworker" />
/**
 * ChatApp's service worker: it shows Web Push notifications and opens their conversation on a
 * click. Nothing else: no fetch handler and no cache, so the app loads exactly as without it.
 * It lives in public/ so Vite copies it unchanged to the site root (`/sw.js`): a worker's scope
 * can only be its own folder or below, and the app needs scope "/". Typed by
 * tsconfig.sw.json (`npm run typecheck`).
 *
 * @typedef {import("@chatapp/protocol").PushPayload} PushPayload
 * @typedef {import("@chatapp/protocol").PushMessagePayload} PushMessagePayload
 * @typedef {{ conversation_id: number, seq: number }} NotificationData
 */

const sw = /** @type {ServiceWorkerGlobalScope} */ (/** @type {unknown} */ (self));

/** Said instead of the content when the server sends no preview (PUSH_PREVIEWS=false). */
const NEUTRAL_BODY = "New message";
/** Messages to the page (src/push/worker-messages.ts): show a conversation; which one do you show? */
const OPEN_CONVERSATION = "chatapp:open-conversation";
const ASK_SHOWING = "chatapp:which-conversation";
/** A window that has not answered by then is taken as not showing the conversation. */
const ASK_DEADLINE_MS = 500;

// A new version of this file takes over at once: with no cache there is nothing to keep consistent.
sw.addEventListener("install", () => void sw.skipWaiting());
sw.addEventListener("activate", (event) => event.waitUntil(sw.clients.claim()));

sw.addEventListener("push", (event) => {
  const payload = readPayload(event.data);
  if (!payload) return;
  event.waitUntil(payload.type === "clear" ? clear(payload.conversation_id, payload.seq) : show(payload));
});

sw.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const data = /** @type {Partial<NotificationData> | null} */ (event.notification.data);
  if (typeof data?.conversation_id !== "number") return;
  event.waitUntil(openConversation(data.conversation_id));
});

/**
 * The push's JSON, or undefined for anything else (nothing is shown for what cannot be read).
 * @param {PushMessageData | null} data
 * @returns {PushPayload | undefined}
 */
function readPayload(data) {
  try {
    const payload = data?.json();
    const known = payload?.type === "message" || payload?.type === "clear";
    if (known && Number.isSafeInteger(payload.conversation_id) && Number.isSafeInteger(payload.seq)) return payload;
  } catch {
    // Not JSON: not ours.
  }
  return undefined;
}

/**
 * One notification per conversation (its tag): a newer message replaces the older one and,
 * with `renotify`, alerts again. Nothing is shown when a focused window already shows the
 * conversation: the user is reading it. (Chrome may then show its own "updated in the
 * background" notice if this happens often; the server does not push to users who are online,
 * so it is rare.)
 * @param {PushMessagePayload} payload
 */
async function show(payload) {
  const id = payload.conversation_id;
  if (await isOnScreen(id)) return;
  const sender = payload.sender_name ?? "Someone";
  // Only groups carry a title (contract §4): "Launch: Ann" there, the sender alone in a direct chat.
  const title = payload.conversation_title ? `${payload.conversation_title}: ${sender}` : sender;
  /** @type {NotificationData} */
  const data = { conversation_id: id, seq: payload.seq };
  await sw.registration.showNotification(title, {
    body: payload.preview ?? NEUTRAL_BODY,
    tag: tagOf(id),
    // @ts-expect-error renotify is in Chromium and the Notifications standard, not yet in TypeScript's lib.
    renotify: true,
    icon: "/favicon.svg",
    data,
  });
}

/**
 * The conversation was read on another device up to `seq`: its notification goes, unless it
 * names a later message.
 * @param {number} conversationId
 * @param {number} seq
 */
async function clear(conversationId, seq) {
  const shown = await sw.registration.getNotifications({ tag: tagOf(conversationId) });
  for (const notification of shown) {
    const data = /** @type {Partial<NotificationData> | null} */ (notification.data);
    if (typeof data?.seq !== "number" || data.seq <= seq) notification.close();
  }
}

/**
 * Shows the conversation in an open ChatApp window (focused, and asked to open it), or in a
 * new one when none is open.
 * @param {number} conversationId
 */
async function openConversation(conversationId) {
  const windows = await sw.clients.matchAll({ type: "window", includeUncontrolled: true });
  const open = windows.find((w) => w.focused) ?? windows[0];
  if (open) {
    const focused = await open.focus();
    focused.postMessage({ type: OPEN_CONVERSATION, conversation_id: conversationId });
    return;
  }
  // The app's own route for a conversation (src/lib/hash-route.ts).
  await sw.clients.openWindow(`/#/c/${conversationId}`);
}

/** @param {number} conversationId */
function tagOf(conversationId) {
  return `conversation-${conversationId}`;
}

/**
 * Whether a focused ChatApp window shows the conversation. The windows are asked: a Client's
 * `url` keeps the address the page loaded with, not the fragment route it moved to since.
 * @param {number} conversationId
 */
async function isOnScreen(conversationId) {
  const windows = await sw.clients.matchAll({ type: "window", includeUncontrolled: true });
  const shown = await Promise.all(windows.filter((w) => w.focused).map(askShowing));
  return shown.includes(conversationId);
}

/**
 * The conversation a window shows (its answer on a channel of its own), or undefined when it
 * shows none or does not answer in time (logged out, or an old version of the page).
 * @param {WindowClient} client
 * @returns {Promise<number | undefined>}
 */
function askShowing(client) {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    const timer = setTimeout(() => resolve(undefined), ASK_DEADLINE_MS);
    channel.port1.onmessage = (event) => {
      clearTimeout(timer);
      const id = event.data?.conversation_id;
      resolve(typeof id === "number" ? id : undefined);
    };
    client.postMessage({ type: ASK_SHOWING }, [channel.port2]);
  });
}
