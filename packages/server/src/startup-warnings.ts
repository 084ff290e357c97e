import type { Config } from "./config.js";

/**
 * Settings that start but leave a deployment open to abuse or surprise: each is said once at
 * start-up, as a sentence that says what to set instead.
 */
export function startupWarnings(config: Config): string[] {
  const warnings: string[] = [];
  if (config.jwtSecretGenerated) warnings.push(generatedSecretWarning(config));
  if (config.trustProxy === true) {
    // Fastify then takes the left-most X-Forwarded-For entry, which the client writes itself.
    warnings.push(
      "TRUST_PROXY=true trusts X-Forwarded-For from anyone: every client can choose the address the per-address " +
        "limits and logs see. Set TRUST_PROXY to the number of proxies in front of the server (1 behind one load " +
        "balancer) or to their addresses (e.g. 10.0.0.0/8).",
    );
  }
  if (config.linkPreviews.enabled && config.linkPreviews.allowPrivate) {
    warnings.push(
      "LINK_PREVIEW_ALLOW_PRIVATE=true: link previews also fetch loopback and private addresses, so any user can make " +
        "this server request pages on its own network (and show their titles). Use it for tests or a closed intranet only.",
    );
  }
  return warnings;
}

function generatedSecretWarning(config: Config): string {
  const advice = "Set JWT_SECRET (32+ random characters) for anything but development; NODE_ENV=production requires it.";
  if (config.jwtSecretFile === undefined || config.jwtSecretCreated === undefined) {
    return `JWT_SECRET is not set: using a random secret for this process, so tokens will not survive a restart. ${advice}`;
  }
  const what = config.jwtSecretCreated
    ? `generated a secret and saved it in ${config.jwtSecretFile} (mode 0600)`
    : `using the secret generated earlier in ${config.jwtSecretFile}`;
  return (
    `JWT_SECRET is not set: ${what}, so sessions survive ` +
    `restarts and \`chatapp token\` run from this folder signs with it. ${advice}`
  );
}
