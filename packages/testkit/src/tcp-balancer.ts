import net from "node:net";
import { splice } from "./tcp-relay.js";

/**
 * A plain TCP load balancer, as a cluster sits behind: each connection goes to the next
 * backend in turn, and to the one after it when that one refuses (a dead node).
 */
export class TcpBalancer {
  private next = 0;
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    readonly backends: number[],
  ) {}

  static async start(backends: number[]): Promise<TcpBalancer> {
    const server = net.createServer();
    const balancer = new TcpBalancer(server, backends);
    server.on("connection", (client) => balancer.accept(client));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return balancer;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private accept(client: net.Socket, tries = 0): void {
    client.on("error", () => {});
    if (tries >= this.backends.length) return void client.destroy();
    const port = this.backends[this.next++ % this.backends.length] as number;
    const upstream = net.connect(port, "127.0.0.1");
    client.pause();
    // Refused (the node is down): the next one. Errors after connecting end both sides below.
    upstream.once("error", () => {
      upstream.destroy();
      this.accept(client, tries + 1);
    });
    upstream.once("connect", () => {
      upstream.removeAllListeners("error");
      splice(client, upstream, this.sockets);
      client.resume();
    });
  }
}
