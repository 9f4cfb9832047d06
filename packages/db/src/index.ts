export * from './app-role';
export * from './audit';
export * from './audit-anchor';
export * from './client';
export * from './follow-ups';
export * from './migrate';
export * from './reference-data';
export * as schema from './schema';
export * from './tx';
