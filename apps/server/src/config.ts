import { allowedOriginsOf, type Env, loadEnv, publicUrlOf } from '@korgon/config';

export interface ServerConfig {
  env: Env;
  publicUrl: string;
  allowedOrigins: string[];
  /** Cookies carry Secure when the console is served over https. */
  secureCookies: boolean;
  production: boolean;
}

export function serverConfig(env: Env = loadEnv()): ServerConfig {
  const publicUrl = publicUrlOf(env);
  return {
    env,
    publicUrl,
    allowedOrigins: allowedOriginsOf(env),
    secureCookies: publicUrl.startsWith('https://'),
    production: env.NODE_ENV === 'production',
  };
}
