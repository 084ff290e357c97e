import { useState } from "react";

/**
 * Runs a user's action (edit, delete, add a member…) and keeps its failure to show next to
 * the control, cleared when the next action starts.
 */
export function useAction(): [error: string | undefined, act: (action: () => Promise<void>) => Promise<void>] {
  const [error, setError] = useState<string>();
  async function act(action: () => Promise<void>): Promise<void> {
    setError(undefined);
    try {
      await action();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }
  return [error, act];
}
