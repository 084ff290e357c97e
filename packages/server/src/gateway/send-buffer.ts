import type { Socket } from "node:net";
import sockopt from "sockopt";

// Linux's numbers: other platforms number these options differently, so they are not tried there.
const SOL_SOCKET = 1;
const SO_SNDBUF = 7;
const LINUX = process.platform === "linux";

let warned = false;

/**
 * Caps the kernel's send buffer of an accepted WebSocket at `bytes` (Linux doubles the figure
 * for its bookkeeping). Left alone, Linux grows it up to net.ipv4.tcp_wmem's maximum (4 MB on
 * many hosts) for a reader that stopped reading: memory that the user-space slow-reader bound
 * does not see. Setting it also stops the kernel's autotuning for that socket. Where the
 * option cannot be set (another platform, a socket without a descriptor), one warning is
 * logged and sockets keep the kernel's sizing.
 */
export function capSendBuffer(socket: Socket | undefined, bytes: number, warn: (err: unknown) => void): void {
  if (bytes <= 0 || !socket) return;
  try {
    if (!LINUX) throw new Error(`setting SO_SNDBUF is only done on Linux, not ${process.platform}`);
    sockopt.setsockopt(socket, SOL_SOCKET, SO_SNDBUF, bytes);
  } catch (err) {
    if (warned) return;
    warned = true;
    warn(err);
  }
}
