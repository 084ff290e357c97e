import { type RefObject, useCallback, useEffect, useRef } from "react";

/** A message counts as seen when this share of it (or of the screen, for a tall one) was visible. */
const SEEN_SHARE = 0.5;

/**
 * Watches message elements (those with `data-seq`) inside the scroller and reports the highest
 * seq that has actually been on screen while the page was visible. The read cursor follows
 * it: never further than what was seen. Returns the ref callback to put on each message.
 *
 * Nothing is reported while `active` is false (cached messages shown before the latest page,
 * not where the conversation opens); once it turns true, every row is looked at afresh where
 * it is then.
 */
export function useSeenTracker(scroller: RefObject<HTMLElement | null>, onSeen: (seq: number) => void, active = true) {
  const visible = useRef(new Set<number>());
  const elements = useRef(new Set<HTMLElement>());
  const observer = useRef<IntersectionObserver>(undefined);
  const report = useRef(onSeen);
  report.current = onSeen;
  const reporting = useRef(active);
  reporting.current = active;

  const flush = useCallback(() => {
    if (!reporting.current || document.visibilityState !== "visible" || visible.current.size === 0) return;
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

  // Active now (after the list was positioned, in a layout effect): observing each row again
  // makes the observer report where it is now, not where it was.
  useEffect(() => {
    const io = observer.current;
    if (!active || !io) return;
    visible.current.clear();
    for (const element of elements.current) {
      io.unobserve(element);
      io.observe(element);
    }
  }, [active]);

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
      elements.current.add(element);
      return () => {
        io?.unobserve(element);
        elements.current.delete(element);
        visible.current.delete(Number(element.dataset.seq));
      };
    },
    [observerFor],
  );
}
