import { Fragment, useMemo } from "react";
import { splitLinks } from "../lib/linkify.js";
import { type MentionNames, MentionText } from "./mention-text.js";

/**
 * Message text with its http(s) links clickable. Everything is rendered as text nodes (React
 * escapes them); links open in a new tab without access to this one (noopener) or our URL
 * (noreferrer). With `mentions`, the `@names` of mentioned members are highlighted.
 */
export function LinkifiedText({ text, mentions }: { text: string; mentions?: MentionNames | undefined }) {
  const segments = useMemo(() => splitLinks(text), [text]);
  let offset = 0;
  return (
    <>
      {segments.map((segment) => {
        const key = offset;
        offset += segment.text.length;
        return segment.kind === "link" ? (
          <a key={key} href={segment.href} target="_blank" rel="noopener noreferrer">
            {segment.text}
          </a>
        ) : (
          <Fragment key={key}>
            <MentionText text={segment.text} mentions={mentions} />
          </Fragment>
        );
      })}
    </>
  );
}
