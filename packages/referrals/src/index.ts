export * from './jobs';
export * from './sealing';
export * from './suggest';
export * from './transitions';
export * from './types';
export * from './views';
export * from './webhook-address';
