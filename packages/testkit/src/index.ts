/**
 * The helpers every package's tests share: a database per suite on each dialect, the real
 * server in-process or as a CLI process, WebSocket clients, TCP relays and balancers, waits.
 */
export * from "./dead-port.js";
export * from "./dialects.js";
export * from "./mariadb-instance.js";
export * from "./process.js";
export * from "./redis.js";
export * from "./server.js";
export * from "./tcp-balancer.js";
export * from "./tcp-relay.js";
export * from "./wait.js";
export * from "./ws-client.js";
