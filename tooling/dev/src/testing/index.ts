export * from './browser';
export * from './fresh-database';
export * from './telephony';
export * from './test-app';
