import { type AnyServerFrame, CLOSE, type ReadyFrame } from "@chatapp/protocol";
import { type BackoffOptions, backoffDelay } from "./backoff.js";
import { AccountDisabledError, AuthError, ChatClientError, TokenProviderError } from "./errors.js";

/** The part of the WebSocket API the client uses: the browser's, which `ws` also implements. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: "open" | "message" | "close" | "error", listener: (event: any) => void): void;
  /** `ws` only: drop the connection without a closing handshake. */
  terminate?(): void;
}
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

export type ConnectionState = "idle" | "connecting" | "open" | "reconnecting" | "closed";

export interface ConnectionOptions {
  url: string;
  /** A token, or a function that returns one; it is called again before every reconnect. */
  token: string | (() => string | Promise<string>);
  /** By default the global WebSocket (browsers). */
  WebSocket?: WebSocketConstructor;
  backoff: BackoffOptions;
  pingIntervalMs?: number;
  /** Also how long an open socket may take to say `ready`. */
  pongTimeoutMs?: number;
}

/** What the connection tells its owner. It calls these synchronously, in the order documented. */
export interface ConnectionEvents {
  /**
   * The server said `ready`. The connection is already writable (so the owner's resends go
   * out first), but `state` has not said `open` yet. `first`: the first `ready` of this object.
   */
  ready(frame: ReadyFrame, first: boolean): void;
  /** Every other frame from the server; pongs are the connection's own. */
  frame(frame: AnyServerFrame): void;
  state(state: ConnectionState): void;
  /**
   * The token provider failed (TokenProviderError: the connection stops if it was never open,
   * and retries otherwise), or the token was refused (AuthError: it stops).
   */
  error(err: ChatClientError): void;
  /** Stopped for good, by `close()` or a refused token: fail whatever waits on the connection. */
  stopped(reason: ChatClientError): void;
  /**
   * Asks the server over HTTP whether the token is good; rejects with AuthError when it is
   * not. Used when an upgrade fails, since browsers hide its HTTP status.
   */
  checkToken(): Promise<unknown>;
}

/** `WebSocket.OPEN`, the same in browsers and `ws`. */
const OPEN = 1;
/** A connection that stayed up this long resets the reconnect backoff. */
const STABLE_MS = 5000;

/**
 * One logical connection to a ChatApp server, over as many sockets as it takes: it opens a
 * socket with a fresh token, counts it open once the server says `ready`, pings it, and
 * replaces it with backoff when it dies, until `close()` or a refused token. It knows
 * nothing of conversations or sends: frames and lifecycle go to its owner (ConnectionEvents).
 */
export class Connection {
  private readonly WS: WebSocketConstructor;
  private ws: WebSocketLike | undefined;
  /** Bumped for every socket and on close: callbacks of an older socket find it changed and do nothing. */
  private socketEpoch = 0;
  private attempt = 0;
  private active = false;
  private readyOnce = false;
  private currentState: ConnectionState = "idle";
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private pongTimer: ReturnType<typeof setTimeout> | undefined;
  private readyTimer: ReturnType<typeof setTimeout> | undefined;
  private connectWaiters: { resolve: () => void; reject: (err: Error) => void }[] = [];
  /** The token the current socket used; HTTP calls reuse it instead of asking the provider each time. */
  private currentToken: string | undefined;
  /** When the current socket became ready: a connection that lasts resets the backoff. */
  private readyAt = 0;

  constructor(
    private readonly options: ConnectionOptions,
    private readonly events: ConnectionEvents,
  ) {
    const WS = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!WS) throw new Error("no WebSocket implementation: pass options.WebSocket (in Node, import the client's Node entry)");
    this.WS = WS;
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  /** Between `connect()` and `close()` (or a refused token). */
  get running(): boolean {
    return this.active;
  }

  /** Identifies the current socket: work tied to one socket checks it has not changed. */
  get epoch(): number {
    return this.socketEpoch;
  }

  /** Open, ready, and its socket can take a frame now. */
  get writable(): boolean {
    return this.currentState === "open" && this.ws !== undefined && this.ws.readyState === OPEN;
  }

  /**
   * Resolves once the server has said `ready`. Rejects with AuthError if the token is refused,
   * and with TokenProviderError (its `cause` is what the provider threw) if the provider fails.
   */
  connect(): Promise<void> {
    const ready = new Promise<void>((resolve, reject) => this.connectWaiters.push({ resolve, reject }));
    if (!this.active) {
      this.active = true;
      void this.open();
    } else if (this.currentState === "open") {
      this.settleConnect();
    }
    return ready;
  }

  /** Stops: closes the socket, and tells the owner (`stopped`) and `connect()` callers. */
  close(): void {
    this.active = false;
    clearTimeout(this.reconnectTimer);
    this.stopHeartbeat();
    const ws = this.ws;
    this.ws = undefined;
    this.socketEpoch++;
    clearTimeout(this.readyTimer);
    if (ws) {
      ws.close(CLOSE.NORMAL, "client closed");
      // A peer that does not answer the closing handshake must not keep the process alive.
      if (ws.terminate) {
        const terminate = ws.terminate.bind(ws);
        const timer = setTimeout(() => terminate(), 1000);
        (timer as { unref?: () => void }).unref?.();
      }
    }
    this.events.stopped(new ChatClientError("closed", "the client was closed"));
    this.settleConnect(new ChatClientError("closed", "the client was closed"));
    this.setState("closed");
  }

  /** Sends a frame if the connection is writable; drops it otherwise. */
  transmit(frame: string): void {
    if (this.writable) this.ws?.send(frame);
  }

  /** Drops the socket as a network failure would (no closing handshake where possible). */
  disconnectAbruptly(): void {
    const ws = this.ws;
    if (!ws) return;
    if (ws.terminate) ws.terminate();
    else ws.close(CLOSE.CLIENT_DROPPED, "dropped by the client");
  }

  /** The current socket's token, or a fresh one from the provider when there is none. */
  async token(): Promise<string> {
    return this.currentToken ?? this.refreshToken();
  }

  /** Asks the provider for a token and keeps it for HTTP calls. */
  async refreshToken(): Promise<string> {
    const token = await this.provideToken();
    this.currentToken = token;
    return token;
  }

  private async provideToken(): Promise<string> {
    const { token } = this.options;
    return typeof token === "function" ? await token() : token;
  }

  private async open(): Promise<void> {
    if (!this.active) return;
    const epoch = ++this.socketEpoch;
    this.setState(this.readyOnce ? "reconnecting" : "connecting");
    let token: string;
    try {
      token = await this.provideToken();
      this.currentToken = token;
    } catch (err) {
      if (err instanceof AuthError) return this.stop(err);
      const failure = new TokenProviderError(err);
      // Never connected yet: most likely a provider that cannot work (bad credentials, wrong
      // URL). Stop and reject connect() with the cause instead of retrying out of sight;
      // calling connect() again starts over.
      if (!this.readyOnce) return this.stop(failure);
      // Connected before: a passing outage of the app's auth backend. Whoever waits on
      // connect() hears why now; the connection goes on retrying with backoff.
      this.settleConnect(failure);
      this.events.error(failure);
      return this.scheduleReconnect(epoch);
    }
    if (!this.active || epoch !== this.socketEpoch) return;
    let ws: WebSocketLike;
    try {
      // The token travels as a subprotocol: browsers cannot set headers on a WebSocket.
      ws = new this.WS(this.options.url, ["chatapp.v1", `bearer.${token}`]);
    } catch {
      return this.scheduleReconnect(epoch);
    }
    this.ws = ws;
    let opened = false;
    ws.addEventListener("open", () => {
      opened = true;
      // A socket that opens but never says `ready` is as good as dead.
      clearTimeout(this.readyTimer);
      this.readyTimer = setTimeout(() => {
        if (epoch === this.socketEpoch && this.currentState !== "open") this.dropAndReconnect();
      }, this.options.pongTimeoutMs ?? 10_000);
    });
    ws.addEventListener("message", (event: { data: unknown }) => {
      if (epoch !== this.socketEpoch) return;
      let frame: AnyServerFrame;
      try {
        frame = JSON.parse(String(event.data));
      } catch {
        return;
      }
      this.handle(frame);
    });
    ws.addEventListener("error", () => {});
    ws.addEventListener("close", (event: { code: number }) => {
      if (epoch !== this.socketEpoch) return;
      this.ws = undefined;
      this.stopHeartbeat();
      clearTimeout(this.readyTimer);
      if (!this.active) return;
      if (!opened) {
        // Browsers hide the upgrade's HTTP status: ask the API whether the token is the problem.
        void this.checkToken(epoch);
        return;
      }
      this.onClose(event.code, epoch);
    });
  }

  /** A socket that had opened closed: decide how soon to come back. */
  private onClose(code: number, epoch: number): void {
    // Only a connection that lasted resets the backoff: a server that accepts and drops
    // at once must not be hammered.
    if (this.readyAt > 0 && Date.now() - this.readyAt >= STABLE_MS) this.attempt = 0;
    this.readyAt = 0;
    // Deactivated, banned or erased: the same token would only be refused again.
    if (code === CLOSE.ACCOUNT_DISABLED) {
      this.stop(new AccountDisabledError());
      return;
    }
    if ((code === CLOSE.RESTART || code === CLOSE.TOKEN_EXPIRED) && this.attempt === 0) {
      // Restarting server, or expired token (the provider is asked again): back at once,
      // spread over a moment so a whole node's clients do not land together.
      this.attempt = 1;
      this.currentToken = undefined;
      this.reconnectTimer = setTimeout(() => void this.open(), Math.random() * 250);
      this.setState("reconnecting");
      return;
    }
    this.scheduleReconnect(epoch);
  }

  private handle(frame: AnyServerFrame): void {
    if (frame.type === "pong") {
      clearTimeout(this.pongTimer);
      this.pongTimer = undefined;
    } else if (frame.type === "ready") {
      this.onReady(frame);
    } else {
      this.events.frame(frame);
    }
  }

  private onReady(frame: ReadyFrame): void {
    const first = !this.readyOnce;
    this.readyOnce = true;
    this.readyAt = Date.now();
    clearTimeout(this.readyTimer);
    // Open for transmitting before anyone hears of it, so the owner's resends go first and
    // a `state` listener's own sends are not sent twice.
    this.currentState = "open";
    this.startHeartbeat();
    this.events.ready(frame, first);
    this.events.state("open");
    this.settleConnect();
  }

  private async checkToken(epoch: number): Promise<void> {
    try {
      await this.events.checkToken();
    } catch (err) {
      if (err instanceof AuthError || (err instanceof ChatClientError && err.code === "account_disabled")) {
        if (epoch === this.socketEpoch) this.stop(err instanceof AuthError ? err : new AccountDisabledError(err.message));
        return;
      }
    }
    this.scheduleReconnect(epoch);
  }

  /** The token is refused, or could not be had before the first connection: stop, and tell everyone waiting. */
  private stop(err: ChatClientError): void {
    this.active = false;
    this.events.stopped(err);
    this.settleConnect(err);
    this.events.error(err);
    this.setState("closed");
  }

  /**
   * Gives up on the current socket without waiting for it to close (a dead network may take
   * a minute to say so) and reconnects.
   */
  private dropAndReconnect(): void {
    const ws = this.ws;
    this.ws = undefined;
    const epoch = ++this.socketEpoch;
    this.stopHeartbeat();
    clearTimeout(this.readyTimer);
    if (ws) {
      if (ws.terminate) ws.terminate();
      else ws.close(CLOSE.CLIENT_DROPPED, "no answer from the server");
    }
    this.scheduleReconnect(epoch);
  }

  private scheduleReconnect(epoch: number): void {
    if (!this.active || epoch !== this.socketEpoch) return;
    this.attempt++;
    this.setState("reconnecting");
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => void this.open(), backoffDelay(this.attempt, this.options.backoff));
  }

  private setState(state: ConnectionState): void {
    if (state === this.currentState) return;
    this.currentState = state;
    this.events.state(state);
  }

  private settleConnect(err?: Error): void {
    for (const w of this.connectWaiters.splice(0)) {
      if (err) w.reject(err);
      else w.resolve();
    }
  }

  private startHeartbeat(): void {
    this.stopHeartbeat();
    const interval = this.options.pingIntervalMs ?? 25_000;
    const timeout = this.options.pongTimeoutMs ?? 10_000;
    this.pingTimer = setInterval(() => {
      // While a pong is awaited, the deadline stands (a timeout longer than the interval works too).
      if (this.pongTimer !== undefined) return;
      this.transmit('{"type":"ping"}');
      this.pongTimer = setTimeout(() => {
        this.pongTimer = undefined;
        this.dropAndReconnect();
      }, timeout);
    }, interval);
  }

  private stopHeartbeat(): void {
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
    this.pongTimer = undefined;
  }
}
