import { useEffect, useState } from "react";

/**
 * Where the user is, in the URL's fragment: `#/c/7` (a conversation) or `#/c/7/m/42` (a
 * message in it, from search). Fragments never reach the server, so every route is the one
 * index.html and reload, back and forward work without a server-side fallback.
 */
export interface Route {
  conversationId?: number;
  focusSeq?: number;
}

export function parseRoute(hash: string): Route {
  const match = /^#\/c\/(\d+)(?:\/m\/(\d+))?$/.exec(hash);
  if (!match) return {};
  const route: Route = { conversationId: Number(match[1]) };
  if (match[2] !== undefined) route.focusSeq = Number(match[2]);
  return route;
}

export function routeHash(route: Route): string {
  if (route.conversationId === undefined) return "#/";
  return `#/c/${route.conversationId}${route.focusSeq === undefined ? "" : `/m/${route.focusSeq}`}`;
}

export function navigate(route: Route): void {
  location.hash = routeHash(route);
}

export function useRoute(): Route {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const onChange = () => setHash(location.hash);
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  // Parsed per render from the string, so equal routes compare equal by their fields.
  return parseRoute(hash);
}
