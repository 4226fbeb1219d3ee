# The worker image: compiled TypeScript, production dependencies only, models and policy baked in,
# running as the unprivileged `node` user. onnxruntime-node's and sharp's native binaries come inside
# their npm packages; no install script runs and nothing is downloaded besides npm packages.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --ignore-scripts

FROM node:20-bookworm-slim
ENV NODE_ENV=production HTTP_HOST=0.0.0.0 HTTP_PORT=9464
# glibc malloc: at most 2 arenas, blocks of 128 KiB and more mapped (src/worker-process-env.ts says why)
ENV MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY models ./models
COPY policy ./policy
COPY schemas ./schemas
USER node
EXPOSE 9464
HEALTHCHECK --interval=10s --timeout=3s --retries=12 CMD node -e "fetch('http://127.0.0.1:9464/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "bin/integrity-worker.js"]
CMD ["run"]
