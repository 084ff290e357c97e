import { useEffect, useId, useRef, useState } from "react";
import { codePoints, MAX_CONTENT_CHARS, tidyContent } from "../lib/message-text.js";

/** Editing one's own message in place: Enter saves, Shift+Enter adds a line, Escape cancels. */
export function MessageEditor(props: { initial: string; onSave: (content: string) => void; onCancel: () => void }) {
  const [text, setText] = useState(props.initial);
  const input = useRef<HTMLTextAreaElement>(null);
  const id = useId();
  const content = tidyContent(text);
  const valid = content.trim() !== "" && codePoints(content) <= MAX_CONTENT_CHARS;

  useEffect(() => {
    const el = input.current;
    el?.focus();
    el?.setSelectionRange(el.value.length, el.value.length);
  }, []);

  return (
    <form
      className="message-editor"
      onSubmit={(e) => {
        e.preventDefault();
        if (valid) props.onSave(content);
      }}
    >
      <label htmlFor={id} className="visually-hidden">
        Edit message
      </label>
      <textarea
        id={id}
        ref={input}
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Escape") props.onCancel();
          if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
            e.preventDefault();
            if (valid) props.onSave(content);
          }
        }}
      />
      <div className="editor-buttons">
        <button type="submit" className="primary" disabled={!valid}>
          Save
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
