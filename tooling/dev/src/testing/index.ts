export * from './browser';
export * from './dump';
export * from './fresh-database';
export * from './processes';
export * from './sockets';
export * from './telephony';
export * from './test-app';
