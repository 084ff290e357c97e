import { useSyncExternalStore } from "react";
import { Preference } from "./preference.js";

export type ThemeChoice = "system" | "light" | "dark";
export const THEME_CHOICES: readonly ThemeChoice[] = ["system", "light", "dark"];

/** The user's choice; "system" follows prefers-color-scheme, also when it changes later. */
export const themeChoice = new Preference<ThemeChoice>("chatapp.theme", THEME_CHOICES, "system");

const systemDark = window.matchMedia("(prefers-color-scheme: dark)");

export function resolvedTheme(): "light" | "dark" {
  const choice = themeChoice.get();
  if (choice !== "system") return choice;
  return systemDark.matches ? "dark" : "light";
}

/**
 * Tells the stylesheet: `data-theme` on <html> pins a theme, its absence follows the system
 * (styles.css picks every colour with light-dark(), driven by `color-scheme`). Run once at
 * start-up, before the first render, and again on every change.
 */
export function applyTheme(): void {
  const choice = themeChoice.get();
  if (choice === "system") delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = choice;
}

export function installTheme(): void {
  applyTheme();
  themeChoice.subscribe(applyTheme);
}

function subscribe(listener: () => void): () => void {
  systemDark.addEventListener("change", listener);
  const unsubscribe = themeChoice.subscribe(listener);
  return () => {
    systemDark.removeEventListener("change", listener);
    unsubscribe();
  };
}

/** The choice and the theme it comes to now; re-renders on either changing. */
export function useTheme(): { choice: ThemeChoice; resolved: "light" | "dark" } {
  const choice = useSyncExternalStore(themeChoice.subscribe, themeChoice.get);
  const resolved = useSyncExternalStore(subscribe, resolvedTheme);
  return { choice, resolved };
}
