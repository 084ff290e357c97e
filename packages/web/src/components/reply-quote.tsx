import type { Message, ReplyTo } from "@chatapp/protocol";
import { useChatState } from "../chat/chat-context.js";
import { displayName } from "../chat/chat-state.js";
import { routeHash } from "../lib/hash-route.js";

function useSenderName(senderId: number | null): string {
  const me = useChatState((s) => s.me.id);
  const users = useChatState((s) => s.users);
  return senderId === me ? "You" : displayName(users, senderId);
}

/** What a quote shows of a message: its text, or why there is none. */
const quotedText = (q: { content: string; deleted?: boolean | undefined }) =>
  q.deleted ? "Message deleted" : q.content === "" ? "Attachment" : q.content;

/**
 * The message a reply quotes, inside the reply: a link to the original, which scrolls the
 * conversation there (loading older history as far as needed) and highlights it.
 */
export function QuoteBlock({ quote, conversationId }: { quote: ReplyTo; conversationId: number }) {
  const name = useSenderName(quote.sender_id);
  // The space between the two lines keeps them two words in the visible text that the
  // label must contain (checked by axe: speech users say what they see).
  return (
    <a
      className="quote"
      href={routeHash({ conversationId, focusSeq: quote.seq })}
      aria-label={`Quoted message from ${name}: ${quotedText(quote)}. Show it`}
    >
      <span className="quote-sender">{name}</span>{" "}
      <span className="quote-text" data-deleted={quote.deleted || undefined}>
        {quotedText(quote)}
      </span>
    </a>
  );
}

/** Above the composer while a reply is being written: what it quotes, and a way out. */
export function ReplyBar({ message, onCancel }: { message: Message; onCancel: () => void }) {
  const name = useSenderName(message.sender_id);
  return (
    <div className="composer-editing composer-reply">
      <p>
        <span className="composer-editing-label">Replying to {name}</span>
        <span className="composer-editing-original">{quotedText(message)}</span>
      </p>
      <button type="button" className="quiet" onClick={onCancel} aria-label="Cancel reply">
        Cancel
      </button>
    </div>
  );
}
