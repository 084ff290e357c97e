import type { Attachment } from "@chatapp/protocol";
import { useChat } from "../chat/chat-context.js";
import { fileKind, formatSize } from "../lib/file-text.js";
import { FileIcon } from "./file-icons.js";
import { saveFile } from "./save-file.js";
import { useAction } from "./use-action.js";

/**
 * A file that is not shown as a picture: its name, kind and size, and a download button. The
 * file is fetched with the token when asked for (not before: it may be large), then saved.
 */
export function AttachmentFileCard({ attachment }: { attachment: Attachment }) {
  const chat = useChat();
  const [error, act] = useAction();
  const download = () =>
    act(async () => {
      const url = await chat.files.acquire(attachment.url);
      try {
        saveFile(url, attachment.name);
      } finally {
        chat.files.release(attachment.url);
      }
    });
  return (
    <div className="file-card">
      <span className="file-card-icon">
        <FileIcon />
      </span>
      <span className="file-card-text">
        <span className="file-card-name">{attachment.name}</span>
        <span className="file-card-meta">
          {fileKind(attachment.content_type, attachment.name)} · {formatSize(attachment.size)}
        </span>
        {error && (
          <span className="error" role="alert">
            {error}
          </span>
        )}
      </span>
      <button type="button" className="quiet" aria-label={`Download ${attachment.name}`} onClick={() => void download()}>
        Download
      </button>
    </div>
  );
}
