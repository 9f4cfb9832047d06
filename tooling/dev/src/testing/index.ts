export * from './browser';
export * from './fresh-database';
export * from './test-app';
