import { type DestinationStream, type Logger, pino } from 'pino';

/**
 * Paths pino blanks out. The bridge logs call ids and event types, never events themselves; these are the
 * net for a mistake: caller numbers (ours and Asterisk's header names) and secrets.
 */
export const REDACT_PATHS = [
  'callerNumber',
  '*.callerNumber',
  '*[*].callerNumber',
  'calleridnum',
  '*.calleridnum',
  'connectedlinenum',
  '*.connectedlinenum',
  'secret',
  '*.secret',
  'AMI_SECRET',
  'TELEPHONY_SECRET',
  '*.AMI_SECRET',
  '*.TELEPHONY_SECRET',
  'headers["x-korgon-signature"]',
  '*.headers["x-korgon-signature"]',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'bridge' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}
