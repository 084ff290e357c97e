import type { Message, ReplyTo } from "@chatapp/protocol";
import { createContext, useContext } from "react";

/**
 * What a message offers around replies in the open conversation: quote it in the composer,
 * open its thread. Provided by the conversation pane; absent elsewhere (search results).
 */
export interface ReplyActions {
  /** The message the composer is quoting, if any. */
  replyTo: Message | undefined;
  setReplyTo: (message: Message | undefined) => void;
  /** Opens the thread panel on this root. */
  openThread: (rootId: number) => void;
}

export const ReplyContext = createContext<ReplyActions | null>(null);

export function useReplyActions(): ReplyActions | null {
  return useContext(ReplyContext);
}

/**
 * Extras of a send: the message quoted (or its quote or id, for a send restored from storage),
 * the thread it goes into.
 */
export interface SendExtras {
  replyTo?: Message | ReplyTo | number | undefined;
  threadRootId?: number | undefined;
  /** Users picked from the `@` suggestions. */
  mentions?: readonly number[] | undefined;
}
