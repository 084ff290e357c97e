import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A MariaDB server of the test's own (its own data directory and free port, from the
 * installed mariadbd), so a test can stop and start it without disturbing any other test.
 */
export class MariaDbInstance {
  private child: ChildProcess | undefined;

  private constructor(
    private readonly dir: string,
    readonly port: number,
  ) {}

  static available(): boolean {
    // Only look the commands up: mariadb-install-db run without --datadir would act on the system's.
    return spawnSync("sh", ["-c", "command -v mariadbd && command -v mariadb-install-db"]).status === 0;
  }

  static async create(): Promise<MariaDbInstance> {
    const dir = mkdtempSync(join(tmpdir(), "chatapp-mariadb-"));
    const init = spawnSync(
      "mariadb-install-db",
      ["--no-defaults", `--datadir=${dir}/data`, "--user=root", "--auth-root-authentication-method=normal", "--skip-test-db"],
      { encoding: "utf8" },
    );
    if (init.status !== 0) throw new Error(`mariadb-install-db failed: ${init.stderr}`);
    const instance = new MariaDbInstance(dir, await freePort());
    await instance.start();
    return instance;
  }

  async start(): Promise<void> {
    this.child = spawn(
      "mariadbd",
      [
        "--no-defaults",
        `--datadir=${this.dir}/data`,
        "--user=root",
        `--port=${this.port}`,
        "--bind-address=127.0.0.1",
        `--socket=${this.dir}/mysqld.sock`,
        `--pid-file=${this.dir}/mysqld.pid`,
        "--skip-log-bin",
        "--innodb-buffer-pool-size=64M",
      ],
      { stdio: "ignore" },
    );
    const deadline = Date.now() + 20_000;
    while (!(await reachable(this.port))) {
      if (Date.now() > deadline || this.child.exitCode !== null) throw new Error("the test's MariaDB did not start");
      // The poll interval of this deadline-bound wait.
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Stops the server (SIGTERM: a clean shutdown) and waits until it is gone. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await exited;
    this.child = undefined;
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
