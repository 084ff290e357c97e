import WebSocket from "ws";

export type Frame = Record<string, any>;

/**
 * A WebSocket client for tests: records every frame it receives and waits for the ones a
 * test expects.
 */
export class TestSocket {
  readonly frames: Frame[] = [];
  closeCode: number | undefined;
  private waiters: { match: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  private readonly closed: Promise<number>;

  constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      const frame = JSON.parse(data.toString()) as Frame;
      this.frames.push(frame);
      this.waiters = this.waiters.filter((w) => {
        if (!w.match(frame)) return true;
        w.resolve(frame);
        return false;
      });
    });
    this.closed = new Promise((resolve) =>
      ws.on("close", (code) => {
        this.closeCode = code;
        resolve(code);
      }),
    );
  }

  static open(url: string, options: WebSocket.ClientOptions & { protocols?: string[] } = {}): Promise<TestSocket> {
    const { protocols, ...rest } = options;
    const ws = new WebSocket(url, protocols, rest);
    const socket = new TestSocket(ws);
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(socket));
      ws.once("unexpected-response", (_req, res) =>
        reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })),
      );
      ws.once("error", reject);
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** The first frame (already received or still to come) that matches; fails after `ms`. */
  next(match: (f: Frame) => boolean, ms = 5000, from = 0): Promise<Frame> {
    const seen = this.frames.slice(from).find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no matching frame within ${ms} ms; got ${JSON.stringify(this.frames.slice(-5))}`)),
        ms,
      );
      this.waiters.push({
        match,
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
      });
    });
  }

  /** Waits for a frame of `type` received after the frames seen so far. */
  nextOfType(type: string, ms = 5000): Promise<Frame> {
    return this.next((f) => f.type === type, ms, this.frames.length);
  }

  /** Frames of `type` received so far. */
  ofType(type: string): Frame[] {
    return this.frames.filter((f) => f.type === type);
  }

  /** Waits until `count` frames of `type` have arrived. */
  async waitForCount(type: string, count: number, ms = 5000): Promise<Frame[]> {
    const deadline = Date.now() + ms;
    while (this.ofType(type).length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} "${type}" frames, got ${this.ofType(type).length}`);
      // The poll interval of this deadline-bound wait.
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.ofType(type);
  }

  /** Sends a ping and waits for the pong: every frame sent before it has been handled. */
  async roundTrip(): Promise<void> {
    const from = this.frames.length;
    this.send({ type: "ping" });
    await this.next((f) => f.type === "pong", 5000, from);
  }

  close(code = 1000): Promise<number> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(code);
    return this.closed;
  }

  waitClosed(): Promise<number> {
    return this.closed;
  }
}
