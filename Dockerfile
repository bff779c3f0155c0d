# syntax=docker/dockerfile:1
# One build, two targets:
#   docker build --target controller -t ipshift:latest .
#   docker build --target agent      -t ipshift-agent:latest .

FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY agent ./agent
COPY scripts/copy-assets.mjs ./scripts/copy-assets.mjs
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
ENTRYPOINT ["node", "dist/src/cli/main.js"]

# The controller needs no privilege at all.
FROM runtime AS controller
USER 10001:10001
EXPOSE 8080
CMD ["controller"]

# The agent changes the node's addresses: root with NET_ADMIN (a non-root process does not
# get an added capability). iproute2 for `ip addr`; arping and ndisc6 for gratuitous ARP / NA.
FROM runtime AS agent
RUN apt-get update \
 && apt-get install -y --no-install-recommends iproute2 arping ndisc6 \
 && rm -rf /var/lib/apt/lists/*
USER 0:0
EXPOSE 9101
CMD ["agent"]
