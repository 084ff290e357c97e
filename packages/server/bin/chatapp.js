#!/usr/bin/env node
// The `chatapp` command: runs the compiled CLI (`npm run build` or `npm start` compiles it).
import("../dist/cli.js").catch((err) => {
  if (err?.code === "ERR_MODULE_NOT_FOUND" && String(err.message).includes("dist/cli.js")) {
    process.stderr.write("chatapp: the server is not built yet; run `npm run build` first\n");
    process.exit(1);
  }
  throw err;
});
