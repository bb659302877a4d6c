# The MCP server over Streamable HTTP, for several replicas behind a load balancer (see docs/http.md).
#   docker build -t prolific-task-builder-mcp .
#   docker run -p 8765:8765 -e PROLIFIC_TOKEN -e PROLIFIC_MCP_HTTP_TOKEN prolific-task-builder-mcp
# Node 22 is the maintained LTS line (20 is past its end of life).
# On SIGTERM the server drains for up to PROLIFIC_MCP_DRAIN_SECONDS (25): give `docker stop -t 30` or more.

FROM node:22-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json ./
COPY src ./src
COPY tools ./tools
COPY resources ./resources
COPY scripts ./scripts
COPY ui ./ui
RUN npm run build

FROM node:22-slim AS production-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force

FROM node:22-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=production-deps /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/tools ./dist/tools
COPY --from=build /app/dist/resources ./dist/resources
COPY --from=build /app/dist/ui ./dist/ui
COPY package.json README.md LICENSE ./
USER node
EXPOSE 8765
# Probes port 8765: keep it when overriding the command.
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8765/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Off loopback the server refuses to start without PROLIFIC_MCP_HTTP_TOKEN, which every request must then carry.
ENTRYPOINT ["node", "dist/src/main.js"]
CMD ["--http", "--host", "0.0.0.0", "--port", "8765"]
