import Picker from "emoji-picker-element/picker.js";
// Served by this app (a hashed file under /assets/), never fetched from a CDN: the page's
// Content-Security-Policy allows its own origin only, and no third party learns who chats.
import dataSource from "emoji-picker-element-data/en/emojibase/data.json?url";
import { useEffect, useRef } from "react";
import { useTheme } from "../settings/theme.js";

/**
 * The `<emoji-picker>` web component of emoji-picker-element, in a React shell. Loaded lazily
 * by EmojiButton. With a mouse or keyboard its search field gets focus on opening, so typing
 * filters at once.
 */
export default function EmojiPicker({ onPick }: { onPick: (emoji: string) => void }) {
  const host = useRef<HTMLDivElement>(null);
  const onPickRef = useRef(onPick);
  const theme = useTheme().resolved;
  const picker = useRef<Picker>(null);
  useEffect(() => {
    onPickRef.current = onPick;
  });

  useEffect(() => {
    const element = new Picker({ dataSource, locale: "en" });
    picker.current = element;
    const picked = (event: Event) => {
      const unicode = (event as CustomEvent<{ unicode?: string }>).detail.unicode;
      if (unicode) onPickRef.current(unicode);
    };
    element.addEventListener("emoji-click", picked);
    host.current?.append(element);
    // On touch screens focusing the search would pop the keyboard over the emoji: there,
    // searching is a tap away instead.
    if (!window.matchMedia("(pointer: coarse)").matches) {
      requestAnimationFrame(() => element.shadowRoot?.querySelector<HTMLInputElement>("input[type=search]")?.focus());
    }
    return () => {
      element.removeEventListener("emoji-click", picked);
      element.remove();
      picker.current = null;
    };
  }, []);

  // The picker follows the app's theme, not only the system's.
  useEffect(() => {
    picker.current?.classList.toggle("dark", theme === "dark");
    picker.current?.classList.toggle("light", theme === "light");
  }, [theme]);

  return <div ref={host} className="emoji-picker-host" />;
}
