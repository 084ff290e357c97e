import { useId, useSyncExternalStore } from "react";
import { THEME_CHOICES, type ThemeChoice, themeChoice } from "../settings/theme.js";
import { Modal } from "./modal.js";

const THEME_LABELS: Record<ThemeChoice, string> = { system: "Same as the system", light: "Light", dark: "Dark" };

/** The theme (system, light or dark), kept in this browser. */
export function SettingsDialog({ onClose }: { onClose: () => void }) {
  const theme = useSyncExternalStore(themeChoice.subscribe, themeChoice.get);
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
      </form>
    </Modal>
  );
}
