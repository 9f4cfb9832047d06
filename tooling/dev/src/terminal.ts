import { prettyFactory } from 'pino-pretty';

/** pino's numeric levels. */
const LEVELS = { debug: 20, info: 30, warn: 40, error: 50 } as const;
type Level = keyof typeof LEVELS;

export interface Terminal {
  /** A line of `pnpm start` itself (source `korgon`) or of a part it runs (`simulator`). */
  log(msg: string, opts?: { level?: Level; source?: string }): void;
  /** A line a child process wrote: pino's JSON is shown readable, anything else as it is. */
  childLine(source: string, line: string): void;
  /** The framed banner, shown whatever the mode. */
  banner(lines: readonly string[]): void;
  /** The last line of a run, shown whatever the mode. */
  final(line: string): void;
}

/**
 * What `pnpm start` shows: readable log lines (pino-pretty) in development, or with `quiet` only the banner,
 * errors and the final line. The server and the worker keep writing JSON, as in production; it is made
 * readable here, so their own logging stays the same everywhere.
 */
export function createTerminal(opts: {
  quiet: boolean;
  color?: boolean;
  out?: NodeJS.WritableStream;
}): Terminal {
  const out = opts.out ?? process.stdout;
  const color = opts.color ?? Boolean((out as NodeJS.WriteStream).isTTY);
  const pretty = prettyFactory({
    colorize: color,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname',
    singleLine: true,
  });
  const threshold = opts.quiet ? LEVELS.error : LEVELS.debug;
  const write = (text: string) => out.write(text.endsWith('\n') ? text : `${text}\n`);

  return {
    log(msg, { level = 'info', source = 'korgon' } = {}) {
      if (LEVELS[level] < threshold) return;
      write(pretty({ level: LEVELS[level], time: Date.now(), name: source, msg }));
    },
    childLine(source, line) {
      if (!line.trim()) return;
      let entry: Record<string, unknown> | null = null;
      if (line.startsWith('{')) {
        try {
          entry = JSON.parse(line) as Record<string, unknown>;
        } catch {
          entry = null;
        }
      }
      if (!entry || typeof entry.level !== 'number') {
        // Not pino's (a crash, a config error): always shown, it is what went wrong.
        write(`${source}: ${line}`);
        return;
      }
      if (entry.level < threshold) return;
      write(pretty({ ...entry, name: entry.name ?? source }));
    },
    banner(lines) {
      // As wide as its text, up to the terminal's width (a long line wraps inside the frame's rules).
      const columns = (out as NodeJS.WriteStream).columns || 100;
      const width = Math.min(Math.max(...lines.map((l) => l.length)) + 4, columns - 2);
      const rule = `  ${'─'.repeat(width)}`;
      write(['', rule, ...lines.map((l) => (l ? `    ${l}` : '')), rule, ''].join('\n'));
    },
    final(line) {
      write(line);
    },
  };
}
