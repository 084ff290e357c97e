import { navigate, parseRoute } from "../lib/hash-route.js";

/**
 * What the service worker (public/sw.js) posts: after a notification click, "show this
 * conversation"; before showing a notification, "which conversation do you show?" (answered on
 * the port it sends, so a conversation on screen gets no notification).
 */
const OPEN_CONVERSATION = "chatapp:open-conversation";
const ASK_SHOWING = "chatapp:which-conversation";

/**
 * Answers the service worker's messages while someone is logged in. Returns the unsubscribe
 * function (nothing to do where there are no service workers).
 */
export function listenToWorker(): () => void {
  const container = typeof navigator === "undefined" ? undefined : navigator.serviceWorker;
  if (!container) return () => {};
  const onMessage = (event: MessageEvent) => {
    const data = event.data as { type?: unknown; conversation_id?: unknown } | null;
    if (data?.type === ASK_SHOWING) {
      const shown = document.visibilityState === "visible" ? parseRoute(location.hash).conversationId : undefined;
      event.ports[0]?.postMessage({ conversation_id: shown ?? null });
      return;
    }
    if (data?.type !== OPEN_CONVERSATION) return;
    const id = data.conversation_id;
    if (typeof id === "number" && Number.isSafeInteger(id) && id > 0) navigate({ conversationId: id });
  };
  container.addEventListener("message", onMessage);
  // Messages wait in a queue until the page says it listens (or its document has loaded).
  container.startMessages();
  return () => container.removeEventListener("message", onMessage);
}
