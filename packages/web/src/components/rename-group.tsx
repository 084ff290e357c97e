import { type FormEvent, useEffect, useId, useRef, useState } from "react";

/** Owners rename a group: a "Rename" button that becomes a field with Save and Cancel. */
export function RenameGroup({ title, onRename }: { title: string; onRename: (title: string) => Promise<void> }) {
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState(title);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const inputRef = useRef<HTMLInputElement>(null);
  const fieldId = useId();

  useEffect(() => {
    if (editing) inputRef.current?.select();
  }, [editing]);

  async function save(event: FormEvent) {
    event.preventDefault();
    const next = value.trim();
    if (next === "" || next === title) {
      setEditing(false);
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await onRename(next);
      setEditing(false);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  if (!editing) {
    return (
      <button
        type="button"
        className="quiet"
        onClick={() => {
          setValue(title);
          setEditing(true);
        }}
      >
        Rename group
      </button>
    );
  }
  return (
    <form className="rename-form" onSubmit={save}>
      <label htmlFor={fieldId}>Group name</label>
      <input
        id={fieldId}
        ref={inputRef}
        value={value}
        required
        maxLength={128}
        onChange={(e) => setValue(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Escape") setEditing(false);
        }}
      />
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="actions">
        <button type="submit" className="primary" disabled={busy || value.trim() === ""}>
          Save
        </button>
        <button type="button" onClick={() => setEditing(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
