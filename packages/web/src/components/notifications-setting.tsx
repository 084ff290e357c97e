import { useEffect, useId, useState } from "react";
import { useChat, useChatState } from "../chat/chat-context.js";
import { type NotificationsState, notificationsState, turnOff, turnOn } from "../push/notifications.js";

/**
 * Settings' notifications switch for this browser: "Turn on notifications" asks the browser's
 * permission only when pressed (never on load), then subscribes; once on, a switch turns them
 * off again. Says plainly when the browser cannot, or the user blocked the site.
 */
export function NotificationsSetting() {
  const chat = useChat();
  const me = useChatState((s) => s.me.id);
  const [state, setState] = useState<NotificationsState>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const hintId = useId();

  useEffect(() => {
    let live = true;
    void notificationsState(me).then((next) => live && setState(next));
    return () => {
      live = false;
    };
  }, [me]);

  const run = async (work: () => Promise<NotificationsState>) => {
    setBusy(true);
    setError(undefined);
    try {
      setState(await work());
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      setState(await notificationsState(me));
    } finally {
      setBusy(false);
    }
  };
  // The permission prompt needs the click's user activation: turnOn asks it before any await.
  const switchOn = () => void run(() => turnOn(chat.api, me));
  const switchOff = () =>
    void run(async () => {
      await turnOff(chat.api, me);
      return "off";
    });

  return (
    <div className="notifications-setting">
      {state === "unsupported" && (
        <p className="hint">
          This browser cannot show notifications from ChatApp. (On an iPhone or iPad, add ChatApp to the Home Screen first.)
        </p>
      )}
      {state === "denied" && (
        <p role="status">
          Notifications are blocked for this site. To allow them, open the site settings in your browser (the icon beside the
          address), allow notifications, then come back here.
        </p>
      )}
      {state === "off" && (
        <>
          <button type="button" onClick={switchOn} disabled={busy} aria-describedby={hintId}>
            {busy ? "Turning on…" : "Turn on notifications"}
          </button>
          <p id={hintId} className="hint">
            Your browser asks first. Notifications come for new messages while ChatApp is closed; muted conversations stay quiet.
          </p>
        </>
      )}
      {state === "on" && (
        <label className="settings-option">
          <input type="checkbox" role="switch" aria-checked="true" checked disabled={busy} onChange={switchOff} />
          Notifications on this device
        </label>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
