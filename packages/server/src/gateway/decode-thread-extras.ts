import { Id } from "@chatapp/protocol";
import { TypeCompiler } from "@sinclair/typebox/compiler";

const idCheck = TypeCompiler.Compile(Id);

/**
 * A send frame's `reply_to` and `thread_root_id` (contract §5-§6), checked before the frame's
 * union so that the refusal names the field; undefined when both are absent or message ids.
 */
export function threadExtraError(raw: Record<string, unknown>): string | undefined {
  for (const field of ["reply_to", "thread_root_id"] as const) {
    if (raw[field] !== undefined && !idCheck.Check(raw[field])) return `${field}: a message id (a positive integer)`;
  }
  return undefined;
}
