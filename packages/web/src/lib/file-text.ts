import { ChatClientError } from "@chatapp/client";

const UNITS = ["KB", "MB", "GB", "TB"] as const;

/**
 * A size as people read it: "512 B", "4.5 KB", "48 KB", "1.2 MB". Decimal units (1 KB is
 * 1,000 bytes), as file managers on phones and macOS show them; one decimal below 10 only.
 */
export function formatSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 1000) return `${Math.max(0, Math.round(bytes || 0))} B`;
  let value = bytes;
  let unit: string = UNITS[0];
  for (const next of UNITS) {
    value /= 1000;
    unit = next;
    // 999,999 bytes round to "1000 KB": show the next unit instead.
    if (Math.round(value) < 1000) break;
  }
  const shown = value < 9.95 ? value.toFixed(1).replace(/\.0$/, "") : String(Math.round(value));
  return `${shown} ${unit}`;
}

/** What kind of file it is, in words, from the type the server detected (and the name's extension). */
export function fileKind(contentType: string, name: string): string {
  const type = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  if (type === "application/pdf") return "PDF document";
  if (type === "text/plain") return "Text file";
  if (type.startsWith("image/")) return `${type.slice("image/".length).toUpperCase()} image`;
  const extension = /\.([a-z0-9]{1,8})$/i.exec(name)?.[1];
  return extension ? `${extension.toUpperCase()} file` : "File";
}

/** Why an upload failed, short enough for a chip: "too large (max 1 MB)". */
export function uploadErrorText(err: unknown): string {
  if (!(err instanceof ChatClientError)) return "upload failed";
  switch (err.code) {
    case "too_large": {
      // The server names its limit: "the file is larger than 1048576 bytes (UPLOAD_MAX_BYTES)".
      const max = /larger than (\d+) bytes/.exec(err.message)?.[1];
      if (max) return `too large (max ${formatSize(Number(max))})`;
      const left = /(\d+) bytes left/.exec(err.message)?.[1];
      if (left) return `too large for your storage (${formatSize(Number(left))} left)`;
      return "too large";
    }
    case "rate_limited":
      return "too many uploads at once, try again shortly";
    case "network":
    case "unavailable":
      return "could not reach the server";
    case "timeout":
      return "the upload took too long";
    default:
      return `upload failed: ${err.message}`;
  }
}
