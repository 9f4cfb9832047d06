export * from './fresh-database';
export * from './test-app';
export * from './browser';
