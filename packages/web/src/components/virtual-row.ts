import type { CSSProperties } from "react";

/** Where the virtualised list puts a row: its index, its top, and the ref that measures it. */
export interface RowPlace {
  index: number;
  start: number;
  ref: (element: HTMLElement | null) => (() => void) | undefined;
}

/**
 * The props that place a row (an `<li>`) in the virtualised list. The offset is set through
 * the CSSOM (React's `style`), which the Content-Security-Policy allows, unlike style markup.
 */
export function rowProps(place: RowPlace): { ref: RowPlace["ref"]; "data-index": number; style: CSSProperties } {
  return { ref: place.ref, "data-index": place.index, style: { transform: `translateY(${place.start}px)` } };
}
