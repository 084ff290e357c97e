import { type RefObject, useCallback, useEffect, useRef } from "react";

/** A message counts as seen when this share of it (or of the screen, for a tall one) was visible. */
const SEEN_SHARE = 0.5;

/**
 * Watches message elements (those with `data-seq`) inside the scroller and reports the highest
 * seq that has actually been on screen while the page was visible. The read cursor follows
 * it: never further than what was seen. Returns the ref callback to put on each message.
 */
export function useSeenTracker(scroller: RefObject<HTMLElement | null>, onSeen: (seq: number) => void) {
  const visible = useRef(new Set<number>());
  const observer = useRef<IntersectionObserver>(undefined);
  const report = useRef(onSeen);
  report.current = onSeen;

  const flush = useCallback(() => {
    if (document.visibilityState !== "visible" || visible.current.size === 0) return;
    report.current(Math.max(...visible.current));
  }, []);

  const observerFor = useCallback((): IntersectionObserver | undefined => {
    if (observer.current || !scroller.current) return observer.current;
    observer.current = new IntersectionObserver(
      (entries) => {
        for (const entry of entries) {
          const seq = Number((entry.target as HTMLElement).dataset.seq);
          const screen = entry.rootBounds?.height ?? Number.POSITIVE_INFINITY;
          const seen =
            entry.isIntersecting &&
            (entry.intersectionRatio >= SEEN_SHARE || entry.intersectionRect.height >= screen * SEEN_SHARE);
          if (seen) visible.current.add(seq);
          else visible.current.delete(seq);
        }
        flush();
      },
      { root: scroller.current, threshold: [0, SEEN_SHARE, 1] },
    );
    return observer.current;
  }, [scroller, flush]);

  // What stayed on screen while the page was hidden is seen when it shows again.
  useEffect(() => {
    document.addEventListener("visibilitychange", flush);
    return () => {
      document.removeEventListener("visibilitychange", flush);
      observer.current?.disconnect();
    };
  }, [flush]);

  return useCallback(
    (element: HTMLElement | null) => {
      if (!element) return;
      const io = observerFor();
      io?.observe(element);
      return () => {
        io?.unobserve(element);
        visible.current.delete(Number(element.dataset.seq));
      };
    },
    [observerFor],
  );
}
