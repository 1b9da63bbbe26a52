export * from './errors';
export * from './ids';
export * from './session';
export * from './transitions';
export * from './urls';
export * from './app';
export * from './command';
export * from './principal';
