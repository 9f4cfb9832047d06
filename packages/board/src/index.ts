/**
 * The supervisor's board, shared by the server and the worker: service figures (metrics.ts, figures.ts) and
 * the alerts that stay until a person handles them (alerts.ts). See docs/board.md.
 */
export * from './alerts';
export * from './charts';
export * from './day-totals';
export * from './figures';
export * from './figures-push';
export * from './metrics';
export * from './windows';
