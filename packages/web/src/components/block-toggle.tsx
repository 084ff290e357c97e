import { useChat } from "../chat/chat-context.js";
import { useAction } from "./use-action.js";
import { useBlocked } from "./use-blocked.js";

/**
 * Block / Unblock a user, where users are shown (a member row, a direct conversation's
 * menu). While either blocks the other no direct message passes between them; groups are
 * unaffected. The other user is not told. `label` shows the name in the text too.
 */
export function BlockToggle(props: { userId: number; name: string; withName?: boolean; onDone?: () => void }) {
  const { userId, name, withName = false, onDone } = props;
  const chat = useChat();
  const blocked = useBlocked(userId);
  const [error, act] = useAction();
  const verb = blocked ? "Unblock" : "Block";
  return (
    <>
      <button
        type="button"
        className="quiet block-toggle"
        aria-label={`${verb} ${name}`}
        aria-pressed={blocked}
        onClick={() =>
          act(async () => {
            await (blocked ? chat.blocks.unblock(userId) : chat.blocks.block(userId));
            onDone?.();
          })
        }
      >
        {withName ? `${verb} ${name}` : verb}
      </button>
      {error && (
        <span className="error" role="alert">
          {error}
        </span>
      )}
    </>
  );
}
