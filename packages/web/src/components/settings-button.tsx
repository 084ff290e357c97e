import { lazy, Suspense, useState } from "react";

const SettingsDialog = lazy(() => import("./settings-dialog.js").then((m) => ({ default: m.SettingsDialog })));

/** Opens Settings (theme, sound, notifications). The dialog's code (push included) loads on first use. */
export function SettingsButton() {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="quiet icon" aria-label="Settings" aria-haspopup="dialog" onClick={() => setOpen(true)}>
        <span aria-hidden="true">⚙</span>
      </button>
      {open && (
        <Suspense fallback={null}>
          <SettingsDialog onClose={() => setOpen(false)} />
        </Suspense>
      )}
    </>
  );
}
