import { type Browser, chromium } from "playwright-core";

/** Debian's Chromium (`apt-get install -y chromium`); no browser is downloaded. */
export const CHROMIUM = process.env.CHATAPP_CHROMIUM ?? "/usr/bin/chromium";

/**
 * Flags for a headless Chromium on a machine without a network: no sandbox (root in CI), and
 * none of the background connections to Google's services, which would only fail.
 */
const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  // A page whose document a test serves itself (route.fulfill: the app with the server down)
  // has no address, so Chromium counts it as public and would block its socket to 127.0.0.1.
  "--disable-features=LocalNetworkAccessChecks",
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
}
