import type { Socket } from "node:net";
import { CLOSE } from "@chatapp/protocol";
import type { FastifyBaseLogger } from "fastify";
import type { RawData, WebSocket } from "ws";
import type { Broker, BrokerEvent } from "../broker/broker.js";
import type { ChatServices } from "../chat/services.js";
import type { Config } from "../config.js";
import { RateLimiter } from "../lib/rate-limiter.js";
import { metrics } from "../metrics.js";
import { sendBacklog } from "./backlog.js";
import { Connection } from "./connection.js";
import { decodeFrame } from "./decode-frame.js";
import { dispatch, errorFrame } from "./dispatch.js";
import { ConnectionRegistry } from "./registry.js";
import { capSendBuffer } from "./send-buffer.js";

/** Refusals for going over a rate limit that a socket may collect within the window before it is closed (1008). */
const ABUSE_LIMIT = 50;
const ABUSE_WINDOW_MS = 10_000;
/** Timers and clocks are only millisecond-precise: a retry this much before its time is still on time. */
const RETRY_GRACE_MS = 5;

/**
 * The WebSocket side of a node: accepts authenticated sockets, reads frames into the chat
 * domain, and writes the broker's events to the local connections of the users they name.
 */
export class Gateway {
  readonly registry = new ConnectionRegistry();
  private heartbeat: NodeJS.Timeout | undefined;
  private lastPing = Date.now();
  private closing = false;

  private readonly frameLimiter: RateLimiter<string>;
  /** Sockets per client address and per user on this node: open ones, and upgrades under way. */
  private readonly perIp = new Map<string, number>();
  private readonly perUser = new Map<number, number>();
  /** When each socket was last told it may retry (`retry_after_ms`): refusals before it count as abuse. */
  private readonly retryAt = new WeakMap<Connection, number>();

  constructor(
    private readonly chat: ChatServices,
    broker: Broker,
    private readonly config: Config["ws"],
    private readonly log: FastifyBaseLogger,
    private readonly limits: Pick<
      Config["limits"],
      "framesPerSecond" | "framesBurst" | "connectionsPerUser" | "connectionsPerIp"
    > = {
      framesPerSecond: 0,
      framesBurst: 1,
      connectionsPerUser: 0,
      connectionsPerIp: 0,
    },
  ) {
    this.frameLimiter = new RateLimiter(limits.framesPerSecond, limits.framesBurst);
    broker.subscribe((event) => this.route(event));
    // Events from other nodes may have been missed: clients reconnect and resume.
    broker.onResync(() => this.resync());
    // The sweep runs more often than the pings, so a silent socket goes within a few
    // seconds of the idle timeout rather than up to a ping interval later.
    this.heartbeat = setInterval(() => this.beat(), Math.min(config.pingIntervalMs, Math.max(10, config.idleTimeoutMs / 6)));
    this.heartbeat.unref();
  }

  get shuttingDown(): boolean {
    return this.closing;
  }

  /**
   * Takes a place for a new socket of this user from this address, before the upgrade (so a
   * refusal is an HTTP 429): a refusal message, or the function that gives the place back.
   * Places are counted from here, not from the open socket, so a burst of handshakes cannot
   * all pass the check before any of them is open.
   */
  reserve(userId: number, ip: string): string | (() => void) {
    const { connectionsPerUser, connectionsPerIp } = this.limits;
    if (connectionsPerUser > 0 && (this.perUser.get(userId) ?? 0) >= connectionsPerUser) {
      return `too many connections for this user (${connectionsPerUser}): close another one first`;
    }
    if (connectionsPerIp > 0 && (this.perIp.get(ip) ?? 0) >= connectionsPerIp) {
      return `too many connections from this address (${connectionsPerIp})`;
    }
    bump(this.perUser, userId, 1);
    bump(this.perIp, ip, 1);
    let given = false;
    return () => {
      if (given) return;
      given = true;
      bump(this.perUser, userId, -1);
      bump(this.perIp, ip, -1);
    };
  }

  /** `release` gives back the place `reserve` took, once the socket closes. */
  accept(ws: WebSocket, userId: number, meta: { ip: string; tokenExpiresAt?: number; release?: () => void }): void {
    releaseUpgradeRequest(ws);
    capSendBuffer((ws as unknown as { _socket?: Socket })._socket, this.config.sendBufferBytes, (err) =>
      this.log.warn({ err }, "could not cap the sockets' kernel send buffer (WS_SEND_BUFFER_BYTES): the kernel sizes them"),
    );
    const conn = new Connection(
      ws,
      userId,
      this.config.maxBufferedBytes,
      (user, conversation, seq) => this.chat.receipts.delivered(user, conversation, seq),
      this.config.drainTimeoutMs,
    );
    if (this.closing) {
      conn.close(CLOSE.RESTART, "server restarting");
      return;
    }
    conn.tokenExpiresAt = meta.tokenExpiresAt ?? Number.POSITIVE_INFINITY;
    const first = this.registry.add(conn);
    const opened = Date.now();
    this.log.info({ conn: conn.id, userId, ip: meta.ip, connections: this.registry.size }, "ws open");

    ws.on("message", (data: RawData, isBinary: boolean) => {
      conn.lastActivity = Date.now();
      const decoded = decodeFrame(data as Buffer, isBinary);
      metrics.frameIn(decoded.ok ? decoded.frame.type : "invalid");
      if (!this.frameLimiter.take(conn.id)) {
        const clientId = decoded.ok && decoded.frame.type === "send" ? decoded.frame.clientId : undefined;
        const retryAfterMs = Math.max(1, this.frameLimiter.retryAfterMs(conn.id));
        this.refuse(conn, `too many frames: slow down, retry in ${retryAfterMs} ms`, clientId, retryAfterMs);
        return;
      }
      if (!decoded.ok) {
        conn.send(errorFrame(decoded.code, decoded.message, decoded.clientId));
        return;
      }
      void dispatch(conn, decoded.frame, this.chat, this.log, (retryAfterMs) => this.abused(conn, retryAfterMs));
    });
    ws.on("pong", () => {
      conn.lastActivity = Date.now();
    });
    ws.on("error", (err) => this.log.debug({ conn: conn.id, err }, "ws error"));
    ws.on("close", (code: number) => {
      const last = this.registry.remove(conn);
      this.frameLimiter.forget(conn.id);
      meta.release?.();
      this.log.info({ conn: conn.id, userId, code, sent: conn.closedWith, ms: Date.now() - opened }, "ws close");
      if (last && !this.closing) void this.chat.presence.offline(userId);
    });

    if (first) void this.chat.presence.online(userId);
    sendBacklog(conn, this.chat).then(
      () => conn.finishSync(),
      (err) => {
        // Live delivery goes on; the client can still page history for what it missed.
        this.log.error({ err, conn: conn.id, userId }, "offline backlog failed");
        conn.finishSync();
      },
    );
  }

  /**
   * Stops taking sockets and closes every one with `code` (1012: clients reconnect, to
   * another node if there is one). Resolves when all are closed, or after `graceMs`.
   */
  async shutdown(code: number = CLOSE.RESTART, graceMs = 2000): Promise<number[]> {
    this.closing = true;
    clearInterval(this.heartbeat);
    const users = this.registry.userIds();
    const sockets = [...this.registry.all()];
    const closed = sockets.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.ws.readyState === c.ws.CLOSED) return resolve();
          c.ws.once("close", () => resolve());
          c.close(code, "server restarting");
        }),
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(closed), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    for (const c of sockets) if (c.ws.readyState !== c.ws.CLOSED) c.ws.terminate();
    return users;
  }

  /** Answers a frame over the limit; a connection that keeps on is closed with 1008. */
  private refuse(conn: Connection, message: string, clientId: string | undefined, retryAfterMs: number): void {
    conn.send(errorFrame("rate_limited", message, clientId, retryAfterMs));
    this.abused(conn, retryAfterMs);
  }

  /**
   * Counts a refusal for being over a limit; past ABUSE_LIMIT within a short while, the
   * socket goes. Only a frame that came before the retry time the socket was last given
   * counts: a client that waits as told (the SDK) is refused about once per message while
   * it drains a queue at the limit's pace, and that is no abuse.
   */
  private abused(conn: Connection, retryAfterMs: number): void {
    const now = Date.now();
    const early = now + RETRY_GRACE_MS < (this.retryAt.get(conn) ?? 0);
    this.retryAt.set(conn, now + retryAfterMs);
    if (!early) return;
    if (now - conn.refusalsSince > ABUSE_WINDOW_MS) {
      conn.refusalsSince = now;
      conn.refusals = 0;
    }
    if (++conn.refusals > ABUSE_LIMIT) {
      this.log.warn({ conn: conn.id, userId: conn.userId }, "ws closed for going on over its rate limit (1008)");
      conn.close(CLOSE.POLICY, "rate limit exceeded again and again");
    }
  }

  /** Closes every socket of one user on this node (4003 when their account is disabled). */
  closeUser(userId: number, code: number, reason: string): void {
    const conns = this.registry.of(userId);
    if (!conns) return;
    this.log.info({ userId, code, connections: conns.size }, "ws closed for the user");
    for (const conn of [...conns]) conn.close(code, reason);
  }

  /** Closes every socket with 1012 (the clients reconnect at once and resume what they missed). */
  private resync(): void {
    if (this.closing || this.registry.size === 0) return;
    const sockets = [...this.registry.all()];
    this.log.warn({ connections: sockets.length }, "cluster link restored: closing sockets so clients resume");
    for (const c of sockets) c.close(CLOSE.RESTART, "resync: reconnect and resume");
  }

  private route(event: BrokerEvent): void {
    for (const userId of event.userIds) {
      const conns = this.registry.of(userId);
      if (!conns) continue;
      for (const conn of conns) {
        if (conn.id !== event.excludeConnectionId) conn.deliver(event);
      }
    }
  }

  /**
   * Closes sockets whose token expired (4001) and drops those silent for the idle timeout;
   * every ping interval, pings the others and refreshes last_seen of the node's online users.
   */
  private beat(): void {
    const now = Date.now();
    const pingDue = now - this.lastPing >= this.config.pingIntervalMs;
    if (pingDue) {
      this.lastPing = now;
      void this.chat.presence.touch(this.registry.userIds());
    }
    for (const conn of this.registry.all()) {
      if (now >= conn.tokenExpiresAt) {
        // The SDK asks for a fresh token and reconnects.
        this.log.info({ conn: conn.id, userId: conn.userId }, "ws token expired: closed with 4001");
        conn.close(CLOSE.TOKEN_EXPIRED, "token expired");
      } else if (now - conn.lastActivity >= this.config.idleTimeoutMs) {
        this.log.info({ conn: conn.id, userId: conn.userId }, "ws idle: terminated");
        conn.ws.terminate();
      } else if (pingDue && conn.open) {
        conn.ws.ping();
      }
    }
  }
}

/**
 * @fastify/websocket leaves the upgrade's HTTP request, reply and a stand-in response
 * reachable from the socket for as long as it is open (an error listener closing over them,
 * and the response as the TCP socket's current message): about 2.5 KB per idle connection,
 * a third of its cost. Errors are handled by the gateway's own listener instead.
 */
function releaseUpgradeRequest(ws: WebSocket): void {
  ws.removeAllListeners("error");
  const socket = (ws as unknown as { _socket?: { _httpMessage?: { detachSocket?: (s: unknown) => void } | null } })._socket;
  socket?._httpMessage?.detachSocket?.(socket);
}

function bump<K>(counts: Map<K, number>, key: K, by: number): void {
  const n = (counts.get(key) ?? 0) + by;
  if (n > 0) counts.set(key, n);
  else counts.delete(key);
}
