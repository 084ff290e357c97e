import type { PendingMessage } from "../chat/chat-state.js";
import { formatSize } from "../lib/file-text.js";

/**
 * The files of a pending message, as chips: name and size, and while the SDK uploads the ones
 * not uploaded yet, one progress bar for them (its `upload_progress` counts them together).
 */
export function PendingFiles({ pending }: { pending: PendingMessage }) {
  const files = pending.files ?? [];
  if (files.length === 0) return null;
  const uploading = pending.error === undefined ? files.filter((f) => !f.uploaded) : [];
  const total = pending.progress?.total ?? uploading.reduce((sum, f) => sum + f.size, 0);
  const loaded = Math.min(total, pending.progress?.loaded ?? 0);
  const done = uploading.length === 0 || (pending.progress !== undefined && loaded >= total);
  return (
    <ul className="attachment-chips" aria-label="Files">
      {files.map((file, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a message's files keep their order, and two may share a name
        <li key={index} className="attachment-chip" data-status={file.uploaded ? "done" : "uploading"}>
          <span className="attachment-chip-name">{file.name}</span>
          <span className="attachment-chip-size">{formatSize(file.size)}</span>
        </li>
      ))}
      {!done && (
        <li className="attachment-chip" data-status="uploading">
          <progress max={Math.max(1, total)} value={loaded} aria-label={`Uploading ${uploading.map((f) => f.name).join(", ")}`} />
        </li>
      )}
    </ul>
  );
}
