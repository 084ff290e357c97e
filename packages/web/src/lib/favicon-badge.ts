/**
 * The tab's icon: the app's speech bubble, and with unread messages a red badge holding the
 * count (9+ past nine, since two digits do not fit 16 pixels). An SVG data URL: no canvas,
 * sharp at every size, and allowed by the page's policy (img-src 'self' data:).
 */
const BUBBLE =
  '<path fill="#2563eb" d="M4 6a4 4 0 0 1 4-4h16a4 4 0 0 1 4 4v13a4 4 0 0 1-4 4H13l-7 6v-6H8a4 4 0 0 1-4-4z"/>' +
  '<circle cx="11" cy="12.5" r="2" fill="#fff"/><circle cx="16" cy="12.5" r="2" fill="#fff"/><circle cx="21" cy="12.5" r="2" fill="#fff"/>';

export function faviconSvg(unread: number): string {
  const badge =
    unread > 0
      ? `<circle cx="23" cy="9" r="9" fill="#d92d20" stroke="#fff" stroke-width="1.5"/>` +
        `<text x="23" y="13" font-family="Arial,sans-serif" font-size="${unread > 9 ? 10 : 12}" font-weight="700" fill="#fff" text-anchor="middle">${unread > 9 ? "9+" : unread}</text>`
      : "";
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">${BUBBLE}${badge}</svg>`;
}

export function faviconHref(unread: number): string {
  return `data:image/svg+xml,${encodeURIComponent(faviconSvg(unread))}`;
}

/** "(3) ChatApp": the count first, so it shows in a narrow tab. */
export function tabTitle(unread: number): string {
  return unread > 0 ? `(${unread}) ChatApp` : "ChatApp";
}
