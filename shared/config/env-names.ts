/** Every environment variable Sessionplane reads, named once for functions and infra alike. */
export const ENV = {
  port: 'PORT',
  host: 'HOST',
  appsFile: 'SESSIONPLANE_APPS',
  dataDir: 'SESSIONPLANE_DATA_DIR',
  publicUrl: 'SESSIONPLANE_PUBLIC_URL',
  portRange: 'SESSIONPLANE_PORT_RANGE',
  sessionHost: 'SESSIONPLANE_SESSION_HOST',
  stopGrace: 'SESSIONPLANE_STOP_GRACE',
  dynamodbEndpoint: 'SESSIONPLANE_DYNAMODB_ENDPOINT',
  tableName: 'SESSIONPLANE_TABLE',
  logLevel: 'SESSIONPLANE_LOG_LEVEL',
  maxBodyBytes: 'SESSIONPLANE_MAX_BODY_BYTES',
  activityInterval: 'SESSIONPLANE_ACTIVITY_INTERVAL',
  lookupCache: 'SESSIONPLANE_LOOKUP_CACHE',
  authTokens: 'SESSIONPLANE_AUTH_TOKENS',
  tokenKey: 'SESSIONPLANE_TOKEN_KEY',
  maxSessionsPerUser: 'SESSIONPLANE_MAX_SESSIONS_PER_USER',
  maxCpuPerUser: 'SESSIONPLANE_MAX_CPU_PER_USER',
  maxMemoryPerUser: 'SESSIONPLANE_MAX_MEMORY_PER_USER',
  maxGpusPerUser: 'SESSIONPLANE_MAX_GPUS_PER_USER',
  rateLimit: 'SESSIONPLANE_RATE_LIMIT',
  imagePrefixes: 'SESSIONPLANE_IMAGE_PREFIXES',
  maxHeaderBytes: 'SESSIONPLANE_MAX_HEADER_BYTES',
  awsRegion: 'AWS_REGION',
  trameUseHost: 'TRAME_USE_HOST',
  trameUrlPrefix: 'TRAME_URL_PREFIX',
} as const;

/** Variables of the server's own environment a local session process inherits; nothing else leaks. */
export const INHERITED_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'SYSTEMROOT'] as const;
