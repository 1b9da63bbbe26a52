export * from './catalog';
export * from './deps';
export * from './launch';
export * from './reconcile';
export * from './runtime-events';
export * from './stop';
export * from './update';
