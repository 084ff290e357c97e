import type WebSocket from "ws";

/**
 * Drops a socket with a TCP reset instead of a FIN. A closing side that sends FIN keeps the
 * connection in TIME_WAIT for a minute, holding its local port: tens of thousands of those
 * left by one scenario make every later bind() to a loopback source address scan for a free
 * port, and the next target measured would pay for the previous one's sockets.
 */
export function closeHard(ws: WebSocket): void {
  const socket = (ws as unknown as { _socket?: { resetAndDestroy?: () => void } })._socket;
  if (socket?.resetAndDestroy) socket.resetAndDestroy();
  else ws.terminate();
}
