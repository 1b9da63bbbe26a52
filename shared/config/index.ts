export * from './apps';
export * from './apps-schema';
export * from './duration';
export * from './env';
export * from './env-names';
export * from './table';
export * from './auth-tokens';
export * from './policy';
