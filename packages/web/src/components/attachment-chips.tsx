import { useChat, useChatState } from "../chat/chat-context.js";
import { formatSize } from "../lib/file-text.js";

/**
 * Files being uploaded, as chips: name, size, a progress bar while uploading, and why one
 * failed. With `onRemove` (the composer's drafts) each has a cancel/remove button, and a
 * failed one a retry; a pending message's chips only show how its files are doing.
 */
export function AttachmentChips({
  keys,
  label,
  onRemove,
}: {
  keys: readonly string[];
  label: string;
  onRemove?: (key: string) => void;
}) {
  const chat = useChat();
  const uploads = useChatState((s) => s.uploads);
  if (keys.length === 0) return null;
  return (
    <ul className="attachment-chips" aria-label={label}>
      {keys.map((key) => {
        const upload = uploads.get(key);
        if (!upload) return null;
        const busy = upload.status === "uploading";
        return (
          <li key={key} className="attachment-chip" data-status={upload.status}>
            <span className="attachment-chip-name">{upload.name}</span>
            <span className="attachment-chip-size">{formatSize(upload.size)}</span>
            {busy && <progress max={Math.max(1, upload.size)} value={upload.loaded} aria-label={`Uploading ${upload.name}`} />}
            {upload.error && (
              <span className={upload.status === "failed" ? "attachment-chip-error" : "attachment-chip-note"}>
                {upload.error}
              </span>
            )}
            {onRemove && upload.status === "failed" && (
              <button type="button" className="quiet" aria-label={`Retry ${upload.name}`} onClick={() => chat.uploads.retry(key)}>
                Retry
              </button>
            )}
            {onRemove && (
              <button
                type="button"
                className="quiet icon"
                aria-label={`${busy ? "Cancel" : "Remove"} ${upload.name}`}
                onClick={() => onRemove(key)}
              >
                ×
              </button>
            )}
          </li>
        );
      })}
    </ul>
  );
}
