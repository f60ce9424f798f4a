# syntax=docker/dockerfile:1
# Actor Core: one image for every role. The API is the default command; workers run the same image
# with `worker`, and the one-shot schema migration with `migrate`:
#   docker run actor-core            → actor-core api
#   docker run actor-core worker     → actor-core worker
#   docker run actor-core migrate    → actor-core migrate
# Configuration comes from the environment (DATABASE_URL, REDIS_URL, JWT_SECRET, …; see README.md).

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: compile TypeScript to dist/ ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Dependencies first, for the layer cache. `prepare` would run the build before the sources are
# here, so scripts are skipped and the build is its own step (no dependency needs its install
# script for tsc: the only ones with scripts are esbuild, dev-only, and msgpackr-extract, optional).
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY config ./config
COPY src ./src
COPY workers ./workers
COPY bench ./bench
RUN npm run build

# ---- runtime: production dependencies and the compiled code only ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` (the TypeScript build) cannot run here, there is no compiler.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
# What the processes read at run time: bin/actor-core.js loads dist/src/cli/main.js; settings and
# registries are read from config/*.yaml (found from dist/config and dist/src/registry as ../../config
# or ../../../config); `migrate` and the /ready migrations check read migrations/ (with meta/);
# piscina threads run dist/workers/resolve-thread.js. Nothing reads ../shared (only the demo does).
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/config ./dist/config
COPY --from=build /app/dist/workers ./dist/workers
COPY bin ./bin
COPY config ./config
COPY migrations ./migrations
# The files stay root-owned and read-only to the process; it writes nothing to disk (logs go to
# stdout). A numeric user, so that Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
# API: PORT (8080). Worker sidecar: WORKER_SIDECAR_PORT (9464): /health, /ready, /metrics.
EXPOSE 8080 9464
# /health of whichever role this container runs: the API's PORT first, then the worker sidecar's
# WORKER_SIDECAR_PORT (a refused connection moves on at once). Node itself makes the request: the slim
# image has no curl or wget.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
  CMD ["node", "-e", "const http = require('node:http'); const env = process.env; const ports = [env.PORT || 8080, env.WORKER_SIDECAR_PORT || 9464].map(Number).filter((p) => p > 0); const probe = (i) => { if (i >= ports.length) process.exit(1); http.get({ host: '127.0.0.1', port: ports[i], path: '/health', timeout: 4000 }, (res) => { res.resume(); if (res.statusCode === 200) process.exit(0); else probe(i + 1); }).on('timeout', function () { this.destroy(new Error('timeout')); }).on('error', () => probe(i + 1)); }; probe(0);"]
# Exec form: node is PID 1 and receives SIGTERM itself, so the graceful drain (SHUTDOWN_TIMEOUT_MS) runs.
ENTRYPOINT ["node", "bin/actor-core.js"]
CMD ["api"]
