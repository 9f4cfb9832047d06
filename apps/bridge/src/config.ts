import { z } from 'zod';

const oneLine = (what: string) =>
  z
    .string()
    .min(1)
    .regex(/^[^\r\n]+$/, `${what} must be a single line`);

const Env = z.object({
  AMI_HOST: z.string().min(1),
  AMI_PORT: z.coerce.number().int().min(1).max(65535).default(5038),
  AMI_USERNAME: oneLine('the AMI user name'),
  AMI_SECRET: oneLine('the AMI secret'),
  KORGON_URL: z.url().refine((u) => /^https?:\/\//.test(u), 'must be an http:// or https:// URL'),
  TELEPHONY_SECRET: z
    .string()
    .min(32, 'must be at least 32 characters (the same value as on the Korgon server)'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});
export type BridgeConfig = z.infer<typeof Env>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `The bridge cannot start, the configuration is not valid:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

/** Parses the environment once at start (the only reader of process.env), naming every bad or missing key. */
export function loadConfig(source: Record<string, string | undefined> = process.env): BridgeConfig {
  const env: Record<string, string> = {};
  for (const key of Object.keys(Env.shape)) {
    const value = source[key];
    if (value !== undefined && value !== '') env[key] = value;
  }
  const parsed = Env.safeParse(env);
  if (parsed.success) return parsed.data;
  const problems = new Map<string, string>();
  for (const issue of parsed.error.issues) {
    const key = String(issue.path[0] ?? '(root)');
    if (problems.has(key)) continue;
    problems.set(key, `${key} ${env[key] === undefined ? 'is required and is not set' : issue.message}`);
  }
  throw new ConfigError([...problems.values()]);
}
