import net from "node:net";

/**
 * A TCP relay in front of a real database, which a test can cut to make the database stop
 * answering (every connection dropped, new ones refused) and restore.
 */
export class TcpRelay {
  private readonly sockets = new Set<net.Socket>();
  private cut = false;
  private frozen = false;
  private readonly held: net.Socket[] = [];
  private readonly pairs: [net.Socket, net.Socket][] = [];

  private constructor(private readonly server: net.Server) {}

  static async start(targetHost: string, targetPort: number): Promise<TcpRelay> {
    const server = net.createServer();
    const relay = new TcpRelay(server);
    server.on("connection", (client) => {
      if (relay.cut) return void client.destroy();
      if (relay.frozen) {
        // A hung server: the connection opens, and nothing ever comes back.
        relay.held.push(client);
        client.on("error", () => {});
        return;
      }
      const upstream = net.connect(targetPort, targetHost);
      splice(client, upstream, relay.sockets);
      relay.pairs.push([client, upstream]);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return relay;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  cutOff(): void {
    this.cut = true;
    for (const s of this.sockets) s.destroy();
  }

  /**
   * The database hangs, as a stopped process does: connections stay open, nothing passes
   * either way, and what was sent waits in the buffers until `restore()`.
   */
  freeze(): void {
    this.frozen = true;
    for (const pair of this.pairs) for (const s of pair) s.pause();
  }

  restore(): void {
    this.cut = false;
    this.frozen = false;
    for (const pair of this.pairs) for (const s of pair) if (!s.destroyed) s.resume();
    // Connections opened while frozen never reached the database: the client retries.
    for (const s of this.held.splice(0)) s.destroy();
  }

  async close(): Promise<void> {
    this.cutOff();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** Joins two sockets both ways; when either closes, both go. Both are tracked in `sockets` while open. */
export function splice(client: net.Socket, upstream: net.Socket, sockets: Set<net.Socket>): void {
  for (const s of [client, upstream]) {
    sockets.add(s);
    s.on("error", () => {});
    s.on("close", () => {
      sockets.delete(s);
      client.destroy();
      upstream.destroy();
    });
  }
  client.pipe(upstream).pipe(client);
}
