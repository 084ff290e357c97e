import type { IncomingMessage } from "node:http";
import { jwtVerify } from "jose";

/**
 * What the peers share with ChatApp so the comparison is fair: the same (seed) frames and
 * the same HS256 token check on connect.
 */
export async function userFromRequest(req: IncomingMessage, key: Uint8Array): Promise<number | undefined> {
  const header = req.headers.authorization;
  const token = header?.startsWith("Bearer ") ? header.slice(7) : undefined;
  if (!token) return undefined;
  try {
    const { payload } = await jwtVerify(token, key, { algorithms: ["HS256"] });
    const id = Number(payload.sub ?? payload.id);
    return Number.isSafeInteger(id) && id > 0 ? id : undefined;
  } catch {
    return undefined;
  }
}

/** Reads the port and secret a peer is started with. */
export function peerOptions(): { port: number; key: Uint8Array } {
  const port = Number(process.env.PORT ?? 0);
  const secret = process.env.JWT_SECRET;
  if (!secret) throw new Error("JWT_SECRET must be set");
  return { port, key: new TextEncoder().encode(secret) };
}
