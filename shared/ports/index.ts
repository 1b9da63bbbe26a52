export * from './clock';
export * from './logger';
export * from './runtime';
export * from './session-store';
export * from './idempotency-store';
export * from './quota-store';
export * from './metrics';
export * from './session-logs';
