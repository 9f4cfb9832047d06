import type { Random } from './random';

/**
 * Kyrgyz mobile numbers in E.164 (+996 and nine digits): MegaCom 55x/99x, O! 50x/70x, Beeline 77x/22x. The
 * pool is small so that some callers call again (the console's repeat-caller hint). These numbers are kept
 * in memory only: never log them.
 */
const PREFIXES = ['55', '55', '70', '70', '77', '77', '50', '22', '99'] as const;

export interface Caller {
  /** The number, or null for a withheld number. */
  number: string | null;
  /** A stable name for the number that can be logged or compared (`caller-17`), or null when withheld. */
  key: string | null;
  /** This number called before in this run. */
  repeat: boolean;
}

export interface CallerPoolOptions {
  /** How many distinct numbers there are. */
  size: number;
  /** Chance that a call comes from a number that already called. */
  repeatShare: number;
  /** Chance that the number is withheld. */
  hiddenShare: number;
}

export function kyrgyzMobile(rng: Random): string {
  let digits = rng.pick(PREFIXES);
  for (let i = 0; i < 7; i++) digits += String(rng.int(0, 9));
  return `+996${digits}`;
}

export function createCallerPool(rng: Random, opts: CallerPoolOptions) {
  const numbers: string[] = [];
  const seen = new Set<string>();
  while (numbers.length < opts.size) {
    const n = kyrgyzMobile(rng);
    if (!seen.has(n)) {
      seen.add(n);
      numbers.push(n);
    }
  }
  let fresh = 0;
  /** Indexes of earlier calls' numbers, one entry per call: frequent callers are picked more often. */
  const history: number[] = [];
  const used = new Set<number>();

  return {
    next(): Caller {
      if (rng.chance(opts.hiddenShare)) return { number: null, key: null, repeat: false };
      const again = history.length > 0 && (fresh >= numbers.length || rng.chance(opts.repeatShare));
      const index = again ? rng.pick(history) : fresh++;
      const repeat = used.has(index);
      used.add(index);
      // A bounded memory of who called: enough for repeats, small for a run that lasts days.
      if (history.length < 10_000) history.push(index);
      else history[rng.int(0, history.length - 1)] = index;
      return { number: numbers[index] as string, key: `caller-${index}`, repeat };
    },
    /** Every number handed out so far (for tests that check none of them was stored). */
    used(): string[] {
      return [...used].map((i) => numbers[i] as string);
    },
  };
}
export type CallerPool = ReturnType<typeof createCallerPool>;
