import { defineConfig } from "vitest/config";
import base from "./vitest.config.js";

// `npm run test:unit`: only the unit tests beside the code. They start no server, so the
// global setup that builds the web client (for the browser tests) is left out.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ["packages/*/src/**/*.test.ts"],
    globalSetup: [],
  },
});
