import type { LinkPreview } from "@chatapp/protocol";

/**
 * The pages a message links to, as cards under its text: site, title, description. The
 * server reads the pages (contract §4); images are not shown: they would be fetched from the
 * linked site, telling it who reads the chat, and the page's CSP allows images from this
 * server only. A card opens the link in a new tab, like the link in the text.
 */
export function LinkPreviewCards({ previews }: { previews: LinkPreview[] }) {
  const safe = previews.filter((p) => /^https?:\/\//i.test(p.url));
  if (safe.length === 0) return null;
  return (
    <ul className="link-previews" aria-label="Link previews">
      {safe.map((preview) => (
        <li key={preview.url}>
          <a className="link-preview" href={preview.url} target="_blank" rel="noopener noreferrer">
            <span className="link-preview-site">{preview.site_name ?? hostOf(preview.url)}</span>
            <span className="link-preview-title">{preview.title}</span>
            {preview.description && <span className="link-preview-description">{preview.description}</span>}
          </a>
        </li>
      ))}
    </ul>
  );
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
