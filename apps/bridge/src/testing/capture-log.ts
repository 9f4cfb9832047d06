import type { Logger } from 'pino';
import { createLogger } from '../log';

export interface LogLine {
  level: number;
  msg?: string;
  [key: string]: unknown;
}

/** A real pino logger (same redaction as production) writing into memory, for asserting on what was logged. */
export function captureLog(level = 'debug'): { log: Logger; lines: LogLine[]; text: () => string } {
  const raw: string[] = [];
  const lines: LogLine[] = [];
  const log = createLogger(level, {
    write(chunk: string) {
      raw.push(chunk);
      lines.push(JSON.parse(chunk) as LogLine);
    },
  });
  return { log, lines, text: () => raw.join('') };
}

export const WARN = 40;
export const ERROR = 50;
