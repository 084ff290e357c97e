import emojiRegex from "emoji-regex";

/**
 * The emoji list comes from a maintained package (emoji-regex, built from Unicode's emoji
 * data), anchored so the WHOLE text must be one of its sequences: "👍👍", "👍 " or "a👍" are
 * not one emoji. emoji-regex also matches unqualified text forms ("❤" without U+FE0F, "©");
 * the contract takes only what `/^\p{RGI_Emoji}$/v` matches (fully qualified, skin tones and
 * ZWJ sequences included), so both must agree.
 */
const ONE_LISTED_EMOJI = new RegExp(`^(?:${emojiRegex().source})$`);
// Node 20 has the `v` flag; TypeScript's target here (ES2023) refuses it written out.
const UNICODE_SETS: string = "v";
const ONE_RGI_EMOJI = new RegExp("^\\p{RGI_Emoji}$", UNICODE_SETS);

/** Whether `text` is exactly one RGI emoji sequence (contract §8). */
export function isOneEmoji(text: string): boolean {
  return ONE_LISTED_EMOJI.test(text) && ONE_RGI_EMOJI.test(text);
}
