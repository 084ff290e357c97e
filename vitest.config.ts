import { defineConfig } from "vitest/config";

export default defineConfig({
  // Workspace packages resolve to their TypeScript sources: tests need no build.
  resolve: { conditions: ["source"] },
  // No "module" condition: packages resolve as Node resolves them when the server runs. (The
  // AWS SDK's "module" build is for bundlers: its extensionless imports fail in Node.)
  ssr: { resolve: { conditions: ["source", "node", "development|production"], externalConditions: ["source"] } },
  test: {
    include: ["packages/*/test/**/*.test.ts", "packages/*/src/**/*.test.ts"],
    environment: "node",
    // Builds the web client (when its sources changed) before any server starts.
    globalSetup: ["packages/web/test/global-setup.ts"],
    pool: "forks",
    // A worker keeps the modules it loaded from one test file to the next: each file's fresh
    // import of the server and its drivers cost about 3.5 s, most of the suite's idle time on
    // two cores. Test files share no state but the metrics registry (tests read it, never
    // assert exact counts) and restore the fake timers they use.
    isolate: false,
    // Vitest's default is one worker fewer than the cores: a single worker on a 2-core CI
    // machine. The suites mostly wait on sockets, databases and timers, so two run side by
    // side (three starved the cluster suite's server processes on a fresh clone).
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 60_000,
    teardownTimeout: 20_000,
  },
});
