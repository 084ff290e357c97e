import { GroupCommit } from "./group-commit.js";

interface Pending<Q> {
  query: Q;
  answers: { resolve: (found: boolean) => void; reject: (err: unknown) => void }[];
}

/**
 * Yes/no questions asked one at a time and answered many at a time: the questions of one
 * event-loop turn, and all those asked while a lookup runs, go into the next lookup (one
 * query for hundreds of them, not one each). Questions with the same key share an answer.
 * `lookup` returns the keys of the questions whose answer is yes; when it fails, every
 * question of that batch fails with its error. The group-commit loop does the scheduling: one
 * lookup at a time, at most `maxBatch` questions in it.
 */
export class BatchedLookup<Q> {
  private readonly pending = new Map<string, Pending<Q>>();
  private readonly loop: GroupCommit<Pending<Q>[]>;

  constructor(
    private readonly keyOf: (query: Q) => string,
    lookup: (queries: Q[]) => Promise<Set<string>>,
    maxBatch = 500,
  ) {
    const pending = this.pending;
    const source = {
      get size() {
        return pending.size;
      },
      take(max: number) {
        const batch: Pending<Q>[] = [];
        for (const [key, entry] of pending) {
          if (batch.length >= max) break;
          batch.push(entry);
          pending.delete(key);
        }
        return batch;
      },
    };
    this.loop = new GroupCommit(
      source,
      async (batch) => {
        try {
          const found = await lookup(batch.map((p) => p.query));
          for (const p of batch) {
            const yes = found.has(this.keyOf(p.query));
            for (const a of p.answers) a.resolve(yes);
          }
        } catch (err) {
          for (const p of batch) for (const a of p.answers) a.reject(err);
        }
      },
      { maxBatch },
    );
  }

  /** Resolves to whether `query`'s key is among what the next lookup finds. */
  has(query: Q): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const key = this.keyOf(query);
      const current = this.pending.get(key);
      if (current) current.answers.push({ resolve, reject });
      else this.pending.set(key, { query, answers: [{ resolve, reject }] });
      this.loop.kick();
    });
  }
}
