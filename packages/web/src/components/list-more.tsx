import { type RefObject, useEffect, useRef } from "react";
import { useChat, useChatState } from "../chat/chat-context.js";

/**
 * The end of the conversation list: when it scrolls into view (or near it), the next page
 * loads. A failed page offers a retry; a keyboard user can also load more with the button.
 */
export function ListMore({ scroller }: { scroller: RefObject<HTMLElement | null> }) {
  const chat = useChat();
  const paging = useChatState((s) => s.listPaging);
  const ref = useRef<HTMLLIElement>(null);

  useEffect(() => {
    const element = ref.current;
    if (!element || !paging.more || paging.loading || paging.error) return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) void chat.loadMoreConversations();
      },
      { root: scroller.current, rootMargin: "0px 0px 300px 0px" },
    );
    observer.observe(element);
    return () => observer.disconnect();
  }, [chat, scroller, paging]);

  if (!paging.more) return null;
  return (
    <li ref={ref} className="list-more">
      {paging.error ? (
        <p className="error">
          Could not load more conversations: {paging.error}{" "}
          <button type="button" className="link" onClick={() => void chat.loadMoreConversations()}>
            Try again
          </button>
        </p>
      ) : paging.loading ? (
        <p className="hint" role="status">
          Loading more conversations…
        </p>
      ) : (
        <button type="button" className="link" onClick={() => void chat.loadMoreConversations()}>
          Load more conversations
        </button>
      )}
    </li>
  );
}
