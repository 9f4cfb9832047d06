export * from './plan';
export * from './schemas';
export * from './time';
