import { useId, useSyncExternalStore } from "react";
import { soundSetting } from "../settings/sound.js";
import { THEME_CHOICES, type ThemeChoice, themeChoice } from "../settings/theme.js";
import { Modal } from "./modal.js";
import { NotificationsSetting } from "./notifications-setting.js";

const THEME_LABELS: Record<ThemeChoice, string> = { system: "Same as the system", light: "Light", dark: "Dark" };

/**
 * The theme (system, light or dark) and the new-message sound, both kept in this browser; and
 * this browser's push notifications (NotificationsSetting).
 */
export function SettingsDialog({ onClose }: { onClose: () => void }) {
  const theme = useSyncExternalStore(themeChoice.subscribe, themeChoice.get);
  const sound = useSyncExternalStore(soundSetting.subscribe, soundSetting.get);
  const ids = useId();
  return (
    <Modal title="Settings" onClose={onClose}>
      <form className="settings" onSubmit={(e) => e.preventDefault()}>
        <fieldset>
          <legend>Theme</legend>
          {THEME_CHOICES.map((choice) => (
            <label key={choice} className="settings-option">
              <input
                type="radio"
                name={`${ids}-theme`}
                value={choice}
                checked={theme === choice}
                onChange={() => themeChoice.set(choice)}
              />
              {THEME_LABELS[choice]}
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>Notifications</legend>
          <NotificationsSetting />
          <label className="settings-option">
            <input
              type="checkbox"
              checked={sound === "on"}
              onChange={(e) => soundSetting.set(e.target.checked ? "on" : "off")}
              aria-describedby={`${ids}-sound-hint`}
            />
            Play a sound for new messages
          </label>
          <p id={`${ids}-sound-hint`} className="hint">
            For messages in other conversations, or while this tab is in the background.
          </p>
        </fieldset>
      </form>
    </Modal>
  );
}
