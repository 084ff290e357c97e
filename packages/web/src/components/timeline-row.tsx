import type { Conversation } from "@chatapp/protocol";
import { dayLabel } from "../lib/dates.js";
import type { TimelineRow } from "../lib/timeline-rows.js";
import { MessageItem } from "./message-item.js";
import { type RowPlace, rowProps } from "./virtual-row.js";

/** One row of the message list: the start of the history, a day, the unread divider, or a message. */
export function TimelineRowView(props: {
  row: TimelineRow;
  place: RowPlace;
  conversation: Conversation | undefined;
  readers: number[] | undefined;
  highlighted: boolean;
}) {
  const { row, place } = props;
  switch (row.kind) {
    case "start":
      return (
        <li className="virtual-row history-start" {...rowProps(place)}>
          This is the start of the conversation.
        </li>
      );
    case "day":
      return (
        <li className="virtual-row day-separator" {...rowProps(place)}>
          <span>{dayLabel(row.timestamp)}</span>
        </li>
      );
    case "unread":
      return (
        <li className="virtual-row unread-divider" {...rowProps(place)}>
          <span>Unread messages</span>
        </li>
      );
    case "message":
      return (
        <MessageItem
          message={row.message}
          conversation={props.conversation}
          firstOfRun={row.firstOfRun}
          readers={props.readers}
          highlighted={props.highlighted}
          index={place.index}
          start={place.start}
          rowRef={place.ref}
        />
      );
  }
}
