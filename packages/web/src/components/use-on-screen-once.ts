import { type RefObject, useEffect, useState } from "react";

/**
 * Whether the element has been on screen yet (and stays true): what is off screen need not
 * load. A long conversation keeps up to 200 rows in the page, and their images would
 * otherwise all be fetched at once on opening it.
 */
export function useOnScreenOnce(ref: RefObject<Element | null>): boolean {
  const [seen, setSeen] = useState(false);
  useEffect(() => {
    const element = ref.current;
    if (seen || !element) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) setSeen(true);
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [ref, seen]);
  return seen;
}
