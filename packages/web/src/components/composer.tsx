import { type KeyboardEvent, useEffect, useId, useRef, useState } from "react";
import { useChat } from "../chat/chat-context.js";
import { codePoints, MAX_CONTENT_CHARS, tidyContent } from "../lib/message-text.js";

/**
 * Where messages are written: Enter sends, Shift+Enter starts a new line. Sending never waits
 * for the network: the message shows as pending and the SDK sends it when it can.
 */
export function Composer({ conversationId }: { conversationId: number }) {
  const chat = useChat();
  const [text, setText] = useState("");
  const input = useRef<HTMLTextAreaElement>(null);
  const ids = useId();
  const length = codePoints(text);
  const tooLong = length > MAX_CONTENT_CHARS;
  const content = tidyContent(text);

  // Ready to type on opening a conversation, except on phones, where that would pop the keyboard.
  useEffect(() => {
    if (!window.matchMedia("(max-width: 700px)").matches) input.current?.focus();
  }, []);

  function send() {
    if (content.trim() === "" || tooLong) return;
    chat.send(conversationId, content);
    setText("");
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    // Enter while an input method is composing (Japanese, Chinese…) confirms the composition.
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      send();
    }
  }

  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
    >
      <label htmlFor={`${ids}-text`} className="visually-hidden">
        Message
      </label>
      <textarea
        id={`${ids}-text`}
        ref={input}
        rows={1}
        value={text}
        placeholder="Write a message"
        enterKeyHint="send"
        aria-describedby={`${ids}-hint`}
        aria-invalid={tooLong || undefined}
        onChange={(e) => {
          setText(e.target.value);
          if (e.target.value.trim() !== "") chat.typing(conversationId);
        }}
        onKeyDown={onKeyDown}
      />
      <button type="submit" className="primary" disabled={content.trim() === "" || tooLong}>
        Send
      </button>
      <p id={`${ids}-hint`} className={tooLong ? "composer-hint error" : "composer-hint visually-hidden"}>
        {tooLong
          ? `${length - MAX_CONTENT_CHARS} characters over the limit of ${MAX_CONTENT_CHARS}.`
          : "Enter sends, Shift+Enter adds a line."}
      </p>
    </form>
  );
}
