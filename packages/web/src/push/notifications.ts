import { ChatClientError, type HttpApi } from "@chatapp/client";
import { browserSubscription, pushSupported, registerWorker, subscribeBrowser } from "./browser-push.js";
import { clearPushRecord, loadPushRecord, savePushRecord } from "./push-record.js";

/** What the server side of this needs: the SDK's push calls. */
export type PushApi = Pick<HttpApi, "vapidPublicKey" | "subscribePush" | "deletePushSubscription">;

/**
 * This browser's notifications for the logged-in user, as Settings shows them: `unsupported`
 * (no Web Push here), `denied` (the user blocked the site's notifications: only the browser's
 * settings can undo that), `on` (subscribed, and the server knows it), `off`.
 */
export type NotificationsState = "unsupported" | "denied" | "on" | "off";

/** A step of turning notifications on failed: `message` says which, in words for the user. */
export class NotificationsError extends Error {
  override name = "NotificationsError";
}

export async function notificationsState(userId: number): Promise<NotificationsState> {
  if (!pushSupported()) return "unsupported";
  if (Notification.permission === "denied") return "denied";
  const record = loadPushRecord();
  if (record?.user_id !== userId || Notification.permission !== "granted") return "off";
  const subscription = await browserSubscription().catch(() => null);
  return subscription?.endpoint === record.endpoint ? "on" : "off";
}

/**
 * The "Turn on notifications" button: asks the permission (this must be the first thing the
 * click does, while the browser still counts it as the user's gesture), registers the worker,
 * subscribes with the server's key and registers the subscription with the server. Resolves
 * with the state reached; a failed step rejects with a NotificationsError saying which.
 */
export async function turnOn(api: PushApi, userId: number): Promise<NotificationsState> {
  const permission = await Notification.requestPermission();
  if (permission === "denied") return "denied";
  if (permission !== "granted") throw new NotificationsError("Notifications were not allowed. Press the button again to choose.");
  const registration = await step("Could not start the notification worker", registerWorker());
  const vapidKey = await step("The server does not offer notifications", api.vapidPublicKey());
  const subscription = await step(
    "Could not subscribe with this browser's push service",
    subscribeBrowser(registration, vapidKey),
  );
  try {
    const saved = await api.subscribePush(subscription.toJSON());
    savePushRecord({ user_id: userId, id: saved.id, endpoint: saved.endpoint });
  } catch (err) {
    // The server does not know this subscription: keeping it would only show "off" while subscribed.
    await subscription.unsubscribe().catch(() => {});
    throw new NotificationsError(`The server refused the subscription: ${reason(err)}`);
  }
  return "on";
}

/**
 * The switch turned off, or logout: the browser's subscription ends (so nothing more can
 * arrive here, even if the server call fails: the push service then answers 410 and the server
 * drops it) and the server forgets it. Never rejects: there is nothing the user could retry.
 */
export async function turnOff(api: PushApi, userId: number): Promise<void> {
  const record = loadPushRecord();
  clearPushRecord();
  if (pushSupported()) {
    const subscription = await browserSubscription().catch(() => null);
    await subscription?.unsubscribe().catch(() => {});
  }
  // Another user's record: their token is gone, only the unsubscription above can end it.
  if (record?.user_id === userId) await forget(api, record.id);
}

/**
 * Run once per login: keeps the browser's subscription and the server's in step. A subscription
 * left by another user of this browser (or by one whose record is lost) is ended, so this user
 * never gets their pushes; one the browser renewed (a new endpoint) is registered again; one
 * the browser dropped (permission revoked, site data cleared) is forgotten by the server too.
 */
export async function syncSubscription(api: PushApi, userId: number): Promise<void> {
  if (!pushSupported()) return;
  const record = loadPushRecord();
  const subscription = await browserSubscription().catch(() => null);
  if (!record || record.user_id !== userId) {
    clearPushRecord();
    await subscription?.unsubscribe().catch(() => {});
    return;
  }
  if (!subscription) {
    clearPushRecord();
    await forget(api, record.id);
    return;
  }
  if (subscription.endpoint === record.endpoint) return;
  const saved = await api.subscribePush(subscription.toJSON());
  savePushRecord({ user_id: userId, id: saved.id, endpoint: saved.endpoint });
  if (saved.id !== record.id) await forget(api, record.id);
}

/** Deletes a subscription on the server; gone already (404) or unreachable is fine here (see turnOff). */
async function forget(api: PushApi, id: number): Promise<void> {
  await api.deletePushSubscription(id).catch(() => {});
}

async function step<T>(what: string, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    throw new NotificationsError(`${what}: ${reason(err)}. Notifications stay off.`);
  }
}

function reason(err: unknown): string {
  if (err instanceof ChatClientError) return err.message;
  return err instanceof Error && err.message ? err.message : String(err);
}
