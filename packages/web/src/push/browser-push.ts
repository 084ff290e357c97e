import { base64UrlToBytes } from "../lib/base64url.js";

/** The service worker (packages/web/public/sw.js), served from the root so its scope can be the whole app. */
const WORKER_URL = "/sw.js";
/** Registering and starting the worker is local work: longer than this means it will not happen. */
const WORKER_DEADLINE_MS = 10_000;
/**
 * Subscribing asks the browser's push service over the network (Google's, Mozilla's, Apple's).
 * A browser that cannot reach it may take long to say so: the button does not wait forever.
 */
const SUBSCRIBE_DEADLINE_MS = 20_000;

/** Whether this browser can receive Web Push here (a secure context with the three APIs). */
export function pushSupported(): boolean {
  return (
    typeof window !== "undefined" &&
    window.isSecureContext &&
    "serviceWorker" in navigator &&
    "PushManager" in window &&
    "Notification" in window
  );
}

/** Registers the worker (again is fine: the browser keeps one per scope) and waits until it is active. */
export async function registerWorker(): Promise<ServiceWorkerRegistration> {
  return withDeadline(
    (async () => {
      await navigator.serviceWorker.register(WORKER_URL, { scope: "/" });
      return navigator.serviceWorker.ready;
    })(),
    WORKER_DEADLINE_MS,
    "the notification worker did not start",
  );
}

/** This browser's push subscription for the site, if it has one (without registering anything). */
export async function browserSubscription(): Promise<PushSubscription | null> {
  const registration = await withDeadline(
    navigator.serviceWorker.getRegistration("/"),
    WORKER_DEADLINE_MS,
    "the notification worker did not answer",
  );
  return (await registration?.pushManager.getSubscription()) ?? null;
}

/**
 * Subscribes with the server's VAPID key. A subscription made with another key (the server's
 * keys changed) cannot be reused, so it is dropped first.
 */
export async function subscribeBrowser(registration: ServiceWorkerRegistration, vapidKey: string): Promise<PushSubscription> {
  const key = base64UrlToBytes(vapidKey);
  const existing = await registration.pushManager.getSubscription();
  if (existing && !sameKey(existing.options.applicationServerKey, key)) await existing.unsubscribe();
  return withDeadline(
    registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key }),
    SUBSCRIBE_DEADLINE_MS,
    "the browser's push service did not answer",
  );
}

function sameKey(current: ArrayBuffer | null, wanted: Uint8Array): boolean {
  if (!current || current.byteLength !== wanted.length) return false;
  const bytes = new Uint8Array(current);
  return bytes.every((b, i) => b === wanted[i]);
}

/** `promise`, or a rejection with `message` once `ms` pass (the work itself cannot be cancelled). */
function withDeadline<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
