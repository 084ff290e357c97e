import { type DeliveryStatus, STATUS_LABEL } from "../lib/delivery.js";

const MARK: Record<DeliveryStatus, string> = { sending: "◷", sent: "✓", delivered: "✓✓", read: "✓✓" };

/** ✓ sent, ✓✓ delivered, blue ✓✓ read; said in words to screen readers. */
export function DeliveryTick({ status }: { status: DeliveryStatus }) {
  return (
    <span className="tick" data-status={status} title={STATUS_LABEL[status]}>
      <span aria-hidden="true">{MARK[status]}</span>
      <span className="visually-hidden">{STATUS_LABEL[status]}</span>
    </span>
  );
}
