export * from './call-store';
export * from './calls';
export * from './changes';
export * from './operators';
export * from './types';
export * from './views';
