# ChatApp server image.
#
#   docker build -t chatapp .
#   docker run -p 8081:8081 -e JWT_SECRET=$(openssl rand -hex 32) -v chatapp-data:/app/data chatapp
#
# Stages: `manifests` (package.json files only, so dependency layers are cached until they
# change), `build` (all dependencies, compiles TypeScript and the web UI), `prod-deps`
# (production dependencies only) and the runtime image, which holds prod-deps plus the
# compiled output and nothing else. Node's version is an argument: --build-arg NODE_IMAGE=...

ARG NODE_IMAGE=node:20-bookworm-slim

# --- package manifests only ---------------------------------------------------------------
FROM ${NODE_IMAGE} AS manifests
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages packages
# Keep each workspace's package.json (and bin/, which npm links); drop sources. The layer that
# copies this result into the next stages is cached by content, so a change to a source file
# does not re-run `npm ci`.
RUN find packages -mindepth 2 -maxdepth 2 ! -name package.json ! -name bin -exec rm -rf {} +

# --- toolchain for native modules (better-sqlite3 compiles from source when no prebuilt binary
# can be fetched) ---------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS toolchain
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
# node-gyp takes Node's headers from the image instead of downloading them.
ENV npm_config_nodedir=/usr/local \
    npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false
WORKDIR /app

# --- build: every dependency, then compile ------------------------------------------------
FROM toolchain AS build
COPY --from=manifests /app ./
RUN npm ci
COPY tsconfig.base.json ./
COPY packages packages
RUN npm run build
# Gather what runs: each workspace's dist/ (server, protocol, client, and web when present).
RUN set -e; for dir in packages/*/dist; do \
      mkdir -p "/out/${dir%/dist}"; cp -a "$dir" "/out/$dir"; \
    done; \
    test -f /out/packages/server/dist/cli.js; ls -d /out/packages/*/dist

# --- production dependencies only ---------------------------------------------------------
# Workspace packages stay as symlinks in node_modules/@chatapp -> ../../packages/<name>,
# which COPY keeps; the runtime stage puts each package's dist/ beside its package.json.
FROM toolchain AS prod-deps
COPY --from=manifests /app ./
RUN npm ci --omit=dev

# --- runtime ------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PORT=8081 \
    HOST=0.0.0.0 \
    LOG_FORMAT=json
WORKDIR /app
# Owned by root and read-only for the server; only ./data (SQLite, single node) is writable.
COPY --from=prod-deps /app ./
COPY --from=build /out ./
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 8081
# Liveness only (/ready also depends on the database and the broker). No curl in slim: node.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8081)+'/health',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM: stop accepting sockets, close open ones with 1012, drain writes, mark this node's
# users offline; takes up to ~12 s, so give the container 30 s (docker stop -t 30,
# stop_grace_period, terminationGracePeriodSeconds).
STOPSIGNAL SIGTERM
CMD ["node", "packages/server/dist/cli.js", "serve"]
