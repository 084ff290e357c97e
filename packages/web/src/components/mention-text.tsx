import { type Message, mentionSpans } from "@chatapp/protocol";
import { Fragment, useMemo } from "react";
import { useChatState } from "../chat/chat-context.js";

/** Who a message's `@names` may highlight: the usernames it mentions, and the reader's own. */
export interface MentionNames {
  names: ReadonlySet<string>;
  mine: string | null;
}

/**
 * Text with the `@names` of mentioned members highlighted (the reader's own more strongly).
 * The names are read as the server reads them (`mentionSpans`), so an `@` the server did not
 * take for a mention (`mail@bob`) stays plain.
 */
export function MentionText({ text, mentions }: { text: string; mentions: MentionNames | undefined }) {
  const spans = mentions ? mentionSpans(text).filter((s) => mentions.names.has(s.name)) : [];
  if (spans.length === 0) return <>{text}</>;
  let at = 0;
  const parts = [];
  for (const span of spans) {
    if (span.start > at) parts.push(<Fragment key={at}>{text.slice(at, span.start)}</Fragment>);
    parts.push(
      <span key={span.start} className="mention" data-me={span.name === mentions?.mine || undefined}>
        {text.slice(span.start, span.end)}
      </span>,
    );
    at = span.end;
  }
  if (at < text.length) parts.push(<Fragment key={at}>{text.slice(at)}</Fragment>);
  return <>{parts}</>;
}

/** The names a message highlights: its mentioned members' usernames (as far as known) and the reader's. */
export function useMentionNames(message: Message): MentionNames | undefined {
  const me = useChatState((s) => s.me);
  const users = useChatState((s) => s.users);
  const ids = message.mentions;
  return useMemo(() => {
    if (!ids) return undefined;
    const names = new Set<string>();
    for (const id of ids) {
      const username = id === me.id ? me.username : users.get(id)?.username;
      if (username) names.add(username);
    }
    return { names, mine: me.username };
  }, [ids, me, users]);
}
