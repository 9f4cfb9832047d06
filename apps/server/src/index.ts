export { buildApp, DEFAULT_CONSOLE_DIST } from './app';
export { type ServerConfig, serverConfig } from './config';
export { hashPassword } from './features/auth/passwords';
export { demoTotpSecret, stepAt, totpCodeAt } from './features/auth/totp';
export { type HistoryResult, seedDemoHistory } from './features/demo/history';
export { DEMO_NOT_ENROLLED, demoCodeOf, enrolDemoSecondFactor } from './features/demo/second-factor';
export {
  DEMO_USERS,
  type DemoSeedResult,
  type DemoUser,
  demoPartnerOf,
  demoPartners,
  seedDemo,
} from './features/demo/seed';
