import { createPublicKey } from "node:crypto";
import ipaddr from "ipaddr.js";
import { base64UrlBytes, isUncompressedP256 } from "../config-push.js";
import { ChatError } from "./errors.js";

/**
 * The checks of a subscription a browser sends (integrations contract §4); each failure is a
 * 400 `invalid_request` naming the field.
 */

/** base64url as browsers write it; some libraries add `=` padding, which is taken off. */
const unpad = (text: string): string => text.replace(/=+$/, "");

/** `p256dh`: base64url of a 65-byte uncompressed P-256 point that is on the curve. Answers it unpadded. */
export function checkP256dh(text: string): string {
  const value = unpad(text);
  if (!isUncompressedP256(value) || !onCurve(Buffer.from(value, "base64url"))) {
    throw new ChatError("invalid_request", "keys.p256dh must be base64url of a 65-byte uncompressed P-256 public key");
  }
  return value;
}

/** `auth`: base64url of 16 bytes. Answers it unpadded. */
export function checkAuth(text: string): string {
  const value = unpad(text);
  if (base64UrlBytes(value)?.length !== 16) throw new ChatError("invalid_request", "keys.auth must be base64url of 16 bytes");
  return value;
}

/**
 * `endpoint`: an https: URL without credentials whose host is public. An IP-literal host
 * must be public unicast, and `localhost` names are refused; any other name is checked when a
 * push is sent, by the outbound client's SSRF guard, against every address it resolves to
 * then (resolving here would prove nothing about later: DNS can change). With
 * PUSH_ALLOW_PRIVATE_ENDPOINTS also http: and loopback or private hosts (tests, closed
 * networks). Answers the URL as given.
 */
export function checkEndpoint(text: string, allowPrivate: boolean): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ChatError("invalid_request", "endpoint must be a URL");
  }
  const schemeOk = url.protocol === "https:" || (allowPrivate && url.protocol === "http:");
  if (!schemeOk) throw new ChatError("invalid_request", "endpoint must be an https: URL");
  if (url.username !== "" || url.password !== "") throw new ChatError("invalid_request", "endpoint must not carry credentials");
  if (!allowPrivate && !publicHost(url.hostname)) {
    throw new ChatError("invalid_request", "endpoint must be on a public host");
  }
  return text;
}

/** False for loopback, private, link-local and other non-public IP literals and for localhost names. */
function publicHost(hostname: string): boolean {
  const host = hostname.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost")) return false;
  if (!ipaddr.isValid(host)) return true;
  // process() turns an IPv4-mapped IPv6 address (::ffff:127.0.0.1) into the IPv4 it carries.
  return ipaddr.process(host).range() === "unicast";
}

function onCurve(point: Buffer): boolean {
  try {
    createPublicKey({
      key: {
        kty: "EC",
        crv: "P-256",
        x: point.subarray(1, 33).toString("base64url"),
        y: point.subarray(33).toString("base64url"),
      },
      format: "jwk",
    });
    return true;
  } catch {
    return false;
  }
}
