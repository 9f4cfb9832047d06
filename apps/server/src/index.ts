export { buildApp, DEFAULT_CONSOLE_DIST } from './app';
export { type ServerConfig, serverConfig } from './config';
export { hashPassword } from './features/auth/passwords';
export {
  DEMO_USERS,
  type DemoSeedResult,
  type DemoUser,
  demoPartnerOf,
  demoPartners,
  seedDemo,
} from './features/demo/seed';
