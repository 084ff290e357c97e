import type { Message } from "@chatapp/protocol";
import { type KeyboardEvent, useEffect, useId, useLayoutEffect, useRef, useState } from "react";
import { useChat, useChatState } from "../chat/chat-context.js";
import { useReplyActions } from "../chat/reply-context.js";
import { lastEditable } from "../lib/last-editable.js";
import { codePoints, MAX_CONTENT_CHARS, tidyContent } from "../lib/message-text.js";
import { AttachButton } from "./attach-button.js";
import { AttachmentChips } from "./attachment-chips.js";
import { EmojiButton } from "./emoji-button.js";
import { ReplyBar } from "./reply-quote.js";
import { useAction } from "./use-action.js";
import type { DraftUploads } from "./use-draft-uploads.js";

/**
 * Where messages are written: Enter sends, Shift+Enter starts a new line. Sending never waits
 * for the network: the message shows as pending and the SDK sends it when it can.
 *
 * Up-arrow in an empty composer edits one's last message here, in the composer (as Telegram
 * and WhatsApp do): a bar above names what is being edited, Enter saves, Escape cancels.
 *
 * Files come from "Attach files", a paste, or a drop on the conversation (`drafts`, owned by
 * the pane): they upload at once, show as chips above the input, and go with the next
 * message, which may then have no text.
 *
 * A reply (chosen from a message's menu or by a swipe) shows what it quotes above the input,
 * with a Cancel; `threadRootId` makes this the composer of that thread.
 */
export function Composer(props: { conversationId: number; drafts: DraftUploads; threadRootId?: number }) {
  const { conversationId, drafts, threadRootId } = props;
  const chat = useChat();
  const replies = useReplyActions();
  const replyTo = replies?.replyTo;
  const me = useChatState((s) => s.me.id);
  const messages = useChatState((s) => s.timelines.get(conversationId)?.messages);
  const uploads = useChatState((s) => s.uploads);
  const [text, setText] = useState("");
  const [editing, setEditing] = useState<Message>();
  const [error, act] = useAction();
  const input = useRef<HTMLTextAreaElement>(null);
  /** Where the caret goes once the text set with it is on screen (after an emoji, or an edit's end). */
  const caret = useRef<number | undefined>(undefined);
  /** The selection when the input last lost focus (to the emoji button): where an emoji goes. */
  const selection = useRef<{ start: number; end: number } | undefined>(undefined);
  const ids = useId();
  const length = codePoints(text);
  const tooLong = length > MAX_CONTENT_CHARS;
  const content = tidyContent(text);
  const withFiles = !editing && drafts.keys.length > 0;
  // A failed file is retried or removed first: the message would only fail with it.
  const failedFiles = withFiles && drafts.keys.some((key) => uploads.get(key)?.status === "failed");
  const canSubmit = (content.trim() !== "" || withFiles) && !tooLong && !failedFiles;

  useLayoutEffect(() => {
    const el = input.current;
    if (caret.current === undefined || !el) return;
    el.focus();
    el.setSelectionRange(caret.current, caret.current);
    caret.current = undefined;
  });

  // Ready to type on opening a conversation, except on phones, where that would pop the keyboard.
  useEffect(() => {
    if (!window.matchMedia("(max-width: 700px)").matches) input.current?.focus();
  }, []);

  // Replying: where the reply is written.
  useEffect(() => {
    if (replyTo) input.current?.focus();
  }, [replyTo]);

  function submit() {
    if (!canSubmit) return;
    if (editing) {
      const target = editing;
      if (content === target.content) {
        stopEditing();
        return;
      }
      void act(async () => {
        await chat.edit(target.id, content);
        stopEditing();
      });
      return;
    }
    chat.send(conversationId, content, drafts.take(), { replyTo, threadRootId });
    replies?.setReplyTo(undefined);
    setText("");
  }

  function startEditing(message: Message) {
    setEditing(message);
    setText(message.content);
    // The caret goes to the end of the text, where people continue typing.
    caret.current = message.content.length;
  }

  function stopEditing() {
    setEditing(undefined);
    setText("");
    input.current?.focus();
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    const plain = !event.shiftKey && !event.altKey && !event.ctrlKey && !event.metaKey;
    // Enter while an input method is composing (Japanese, Chinese…) confirms the composition.
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    } else if (event.key === "ArrowUp" && plain && text === "" && !editing && threadRootId === undefined) {
      const last = messages && lastEditable(messages, me);
      if (last) {
        event.preventDefault();
        startEditing(last);
      }
    } else if (event.key === "Escape" && editing) {
      event.preventDefault();
      stopEditing();
    } else if (event.key === "Escape" && replyTo) {
      event.preventDefault();
      replies?.setReplyTo(undefined);
    }
  }

  /** Puts an emoji where the caret was (replacing a selection), and the caret after it. */
  function insert(emoji: string) {
    const start = Math.min(selection.current?.start ?? text.length, text.length);
    const end = Math.min(selection.current?.end ?? text.length, text.length);
    caret.current = start + emoji.length;
    setText(text.slice(0, start) + emoji + text.slice(end));
  }

  const hint = tooLong
    ? `${length - MAX_CONTENT_CHARS} characters over the limit of ${MAX_CONTENT_CHARS}.`
    : failedFiles
      ? "Retry or remove the files that could not be uploaded."
      : editing
        ? "Enter saves, Escape cancels, Shift+Enter adds a line."
        : "Enter sends, Shift+Enter adds a line, Up-arrow edits your last message.";

  return (
    <form
      className="composer"
      data-editing={editing ? "" : undefined}
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      {editing && (
        <div className="composer-editing">
          <p id={`${ids}-editing`}>
            <span className="composer-editing-label">Editing message</span>
            <span className="composer-editing-original">{editing.content}</span>
          </p>
          <button type="button" className="quiet" onClick={stopEditing}>
            Cancel
          </button>
        </div>
      )}
      {replyTo && !editing && <ReplyBar message={replyTo} onCancel={() => replies?.setReplyTo(undefined)} />}
      {/* In the flow above the input (not over it), so it never hides what is being typed. */}
      {!editing && <AttachmentChips keys={drafts.keys} label="Files to send" onRemove={drafts.remove} />}
      {drafts.note && (
        <p className="composer-hint composer-note" role="status">
          {drafts.note}
        </p>
      )}
      <p id={`${ids}-hint`} className={tooLong || failedFiles ? "composer-hint error" : "composer-hint visually-hidden"}>
        {hint}
      </p>
      {error && (
        <p className="composer-hint error" role="alert">
          {error}
        </p>
      )}
      <AttachButton onFiles={drafts.add} disabled={editing !== undefined} />
      <EmojiButton onPick={insert} />
      <label htmlFor={`${ids}-text`} className="visually-hidden">
        {threadRootId === undefined ? "Message" : "Thread reply"}
      </label>
      <textarea
        id={`${ids}-text`}
        ref={input}
        rows={1}
        value={text}
        placeholder={threadRootId === undefined ? "Write a message" : "Reply in the thread"}
        enterKeyHint={editing ? "done" : "send"}
        aria-describedby={editing ? `${ids}-editing ${ids}-hint` : `${ids}-hint`}
        aria-invalid={tooLong || undefined}
        onChange={(e) => {
          setText(e.target.value);
          if (!editing && e.target.value.trim() !== "") chat.typing(conversationId);
        }}
        onKeyDown={onKeyDown}
        onPaste={(e) => {
          // Pasted files (a screenshot, files copied in a file manager) attach; text pastes as usual.
          const files = [...e.clipboardData.files];
          if (files.length === 0 || editing) return;
          e.preventDefault();
          drafts.add(files);
        }}
        onBlur={(e) => {
          selection.current = { start: e.target.selectionStart, end: e.target.selectionEnd };
        }}
      />
      <button type="submit" className="primary" disabled={!canSubmit}>
        {editing ? "Save" : "Send"}
      </button>
    </form>
  );
}
