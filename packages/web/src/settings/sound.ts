import { useSyncExternalStore } from "react";
import { Preference } from "./preference.js";

/** Off unless the user turns it on: a sound nobody asked for is the first thing people mute. */
export const soundSetting = new Preference<"on" | "off">("chatapp.sound", ["on", "off"], "off");

export function useSoundOn(): boolean {
  return useSyncExternalStore(soundSetting.subscribe, soundSetting.get) === "on";
}
