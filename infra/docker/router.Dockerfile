# The session router (functions/aws/router-service.ts), as the Fargate service runs it. Built from the
# repository root; APPS_FILE is the deployment's apps file.
FROM public.ecr.aws/docker/library/node:22-alpine
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund
COPY shared ./shared
COPY functions ./functions
ARG APPS_FILE=examples/apps/apps.yml
COPY ${APPS_FILE} ./apps.yml
# The web client served beside the portal (-c www=<folder>); an empty folder when there is none.
ARG WWW_DIR=infra/docker/no-www
COPY ${WWW_DIR} ./www
USER node
EXPOSE 8080
CMD ["node", "--import", "tsx", "functions/aws/router-service.ts"]
