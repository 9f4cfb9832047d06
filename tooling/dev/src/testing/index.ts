export * from './browser';
export * from './fresh-database';
export * from './sockets';
export * from './telephony';
export * from './test-app';
