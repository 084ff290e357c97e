/**
 * At most `limit` holders at once; the others wait in line (first come, first served). Used
 * to bound work whose memory grows with each holder (decoding an image).
 */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      // The place passes straight to the next in line; otherwise it is given back.
      if (next) next();
      else this.active--;
    }
  }
}
