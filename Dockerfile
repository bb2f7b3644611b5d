# syntax=docker/dockerfile:1
# API and CPU worker image. Targets:
#   api     (default for `docker build .`): the HTTP API
#   worker: the CPU worker, with tfjs-node (native TensorFlow on the CPU) and the VGG19 weights baked in
# The GPU worker has its own file, Dockerfile.gpu.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# Native addons (tfjs-node) fall back to a source build when no prebuilt binary matches; libdnnl-dev is for
# our oneDNN kernels (packages/core/native), which the wasm backend uses.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ ca-certificates libdnnl-dev \
 && rm -rf /var/lib/apt/lists/*
# Manifests first, so the dependency layer is cached until a package.json or the lockfile changes.
COPY package.json package-lock.json ./
COPY packages/vocabulary/package.json packages/vocabulary/
COPY packages/core/package.json packages/core/
COPY packages/contract/package.json packages/contract/
COPY packages/infra/package.json packages/infra/
COPY packages/client/package.json packages/client/
COPY apps/api/package.json apps/api/
COPY apps/worker/package.json apps/worker/
COPY apps/web/package.json apps/web/
# Install scripts are skipped: the only ones that matter are tfjs-node's (downloads libtensorflow), run
# below for the worker only, and tfjs-node-gpu's, which belongs to Dockerfile.gpu.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
# `npm run build` compiles the TypeScript and builds the web page (apps/web/dist, served by the API at /).
RUN npm run build && ONEDNN_REQUIRED=1 node packages/core/native/build.mjs \
 && npm prune --omit=dev --ignore-scripts \
 && rm -rf node_modules/@tensorflow/tfjs-node-gpu

FROM node:20-bookworm-slim AS api
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app /app
RUN rm -rf node_modules/@tensorflow/tfjs-node
USER node
EXPOSE 3000
CMD ["node", "apps/api/dist/main.js"]

FROM build AS worker-build
RUN npm rebuild @tensorflow/tfjs-node \
 && node packages/core/bin/style-transfer.js weights --cache-dir /weights

FROM node:20-bookworm-slim AS worker
# oneDNN's runtime (with libgomp) for the oneDNN kernels, used when STYLE_BACKEND=wasm.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libdnnl2 \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    VGG19_WEIGHTS=/weights \
    STYLE_BACKEND=tensorflow
WORKDIR /app
COPY --from=worker-build --chown=node:node /app /app
COPY --from=worker-build --chown=node:node /weights /weights
USER node
# SIGTERM checkpoints the running job and hands it back; give it the grace period (SHUTDOWN_GRACE_MS).
STOPSIGNAL SIGTERM
CMD ["node", "apps/worker/dist/main.js"]

# `docker build .` without --target builds the API.
FROM api
