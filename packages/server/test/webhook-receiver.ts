import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { eventually } from "@chatapp/testkit";
import { Webhook } from "standardwebhooks";

/** One request a receiver got, its signature checked with the standardwebhooks package. */
export interface ReceivedWebhook {
  id: string;
  timestamp: number;
  signature: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: { type: string; timestamp: string; data: any };
  /** When it arrived (epoch ms). */
  at: number;
  /** What the receiver answered. */
  status: number;
}

/**
 * A real HTTP endpoint for webhook tests: verifies every request with standardwebhooks'
 * Webhook.verify (a request failing verification makes the test fail), records it, and
 * answers what `respond` says (200 by default; a number >= 600 holds the request unanswered).
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  readonly invalid: string[] = [];
  respond: (request: Omit<ReceivedWebhook, "status">, attempt: number) => number = () => 200;
  /** How long each answer is held back (so overlapping requests would show). */
  delayMs = 0;
  /**
   * Requests that arrived while another of the same conversation (or the same webhook-id)
   * was still unanswered: the order rule forbids them.
   */
  readonly overlaps: string[] = [];
  private readonly open = new Set<string>();
  private verifier: Webhook;
  private readonly attemptsById = new Map<string, number>();
  private readonly held = new Set<() => void>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
    public secret: string,
  ) {
    this.verifier = new Webhook(secret);
  }

  /** Verifies with `secret` from now on (an endpoint whose secret the server generated). */
  useSecret(secret: string): void {
    this.secret = secret;
    this.verifier = new Webhook(secret);
  }

  static async start(secret: string, path = "/hook"): Promise<WebhookReceiver> {
    let receiver: WebhookReceiver | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => (receiver as WebhookReceiver).handle(req.headers, Buffer.concat(chunks).toString("utf8"), res));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    receiver = new WebhookReceiver(server, `http://127.0.0.1:${port}${path}`, secret);
    return receiver;
  }

  private handle(headers: IncomingHttpHeaders, raw: string, res: import("node:http").ServerResponse): void {
    try {
      this.verifier.verify(raw, headers as Record<string, string>);
    } catch (err) {
      this.invalid.push(`${(err as Error).message}: ${raw.slice(0, 200)}`);
      res.writeHead(400).end();
      return;
    }
    const id = String(headers["webhook-id"]);
    const attempt = (this.attemptsById.get(id) ?? 0) + 1;
    this.attemptsById.set(id, attempt);
    const request = {
      id,
      timestamp: Number(headers["webhook-timestamp"]),
      signature: String(headers["webhook-signature"]),
      headers,
      raw,
      body: JSON.parse(raw),
      at: Date.now(),
    };
    const status = this.respond(request, attempt);
    this.received.push({ ...request, status });
    if (status >= 600) {
      this.held.add(() => res.destroy());
      return;
    }
    const conversation = request.body.data?.conversation_id;
    const keys = [`id:${id}`, ...(conversation === undefined ? [] : [`conversation:${conversation}`])];
    for (const key of keys) {
      if (this.open.has(key))
        this.overlaps.push(`${key} (${request.body.type} ${JSON.stringify(request.body.data).slice(0, 80)})`);
      this.open.add(key);
    }
    const answer = () => {
      for (const key of keys) this.open.delete(key);
      res.writeHead(status, { "content-type": "text/plain" }).end("ok");
    };
    if (this.delayMs > 0) setTimeout(answer, this.delayMs);
    else answer();
  }

  /** Requests answered 2xx, in arrival order. */
  get delivered(): ReceivedWebhook[] {
    return this.received.filter((r) => r.status >= 200 && r.status < 300);
  }

  /** Delivered events of `type` (and matching `where`). */
  events(type: string, where: (data: any) => boolean = () => true): ReceivedWebhook[] {
    return this.delivered.filter((r) => r.body.type === type && where(r.body.data));
  }

  /** Waits until a delivered event of `type` matches `where`, and answers it. */
  async waitFor(type: string, where: (data: any) => boolean = () => true, ms = 10_000): Promise<ReceivedWebhook> {
    await eventually(() => this.events(type, where).length > 0, ms, `a delivered ${type} event`);
    return this.events(type, where)[0] as ReceivedWebhook;
  }

  async close(): Promise<void> {
    for (const cut of this.held) cut();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
