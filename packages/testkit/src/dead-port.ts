import net from "node:net";

/**
 * A port nothing listens on (taken from the kernel, then let go): a client pointed at it is
 * offline, its connections refused at once rather than hanging.
 */
export async function deadPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
