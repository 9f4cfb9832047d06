import { type BoardFigures, rooms } from '@korgon/domain';

/** Who receives `board:figures`: the supervisors' boards and the wall displays. */
export const BOARD_FIGURES_ROOMS = [rooms.role('supervisor'), rooms.role('wall')];

/** Quiet time after the last change before the figures are recomputed (a burst of changes makes one push). */
export const FIGURES_DEBOUNCE_MS = 150;
/** The longest a change waits for its push while changes keep coming (a new call shows within a second). */
export const FIGURES_MAX_DELAY_MS = 400;
/** The figures are pushed at least this often, so that the hour, the shift and the day roll over on time. */
export const FIGURES_PERIOD_MS = 30_000;

export interface FiguresPushOptions {
  compute: () => Promise<BoardFigures>;
  emit: (figures: BoardFigures) => void;
  onError?: (err: Error) => void;
  debounceMs?: number;
  maxDelayMs?: number;
  /** 0: no periodic push. */
  periodMs?: number;
}

export interface FiguresPush {
  /** Something the figures count changed: they are recomputed and pushed shortly (coalesced). */
  kick(): void;
  /** Stops the timers and waits for a recomputation in flight; later kicks do nothing. */
  stop(): Promise<void>;
}

/**
 * Recompute-and-push on change. A kick starts a trailing debounce; further kicks move it on, but never past
 * `maxDelayMs` after the first kick of the burst. At most one recomputation runs at a time: kicks during one
 * schedule the next once it ends. So a steady stream of changes costs a few recomputations a second, and a
 * single change is pushed about `debounceMs` after it.
 */
export function createFiguresPush(o: FiguresPushOptions): FiguresPush {
  const debounceMs = o.debounceMs ?? FIGURES_DEBOUNCE_MS;
  const maxDelayMs = o.maxDelayMs ?? FIGURES_MAX_DELAY_MS;
  const periodMs = o.periodMs ?? 0;
  let timer: NodeJS.Timeout | undefined;
  let burstStartedAt = 0;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  const run = async () => {
    timer = undefined;
    try {
      o.emit(await o.compute());
    } catch (err) {
      o.onError?.(err as Error);
    }
  };

  const fire = () => {
    running = run().finally(() => {
      running = undefined;
      if (again && !stopped) {
        again = false;
        schedule();
      }
    });
  };

  const schedule = () => {
    const now = Date.now();
    if (!timer) burstStartedAt = now;
    else clearTimeout(timer);
    const wait = Math.max(0, Math.min(debounceMs, burstStartedAt + maxDelayMs - now));
    timer = setTimeout(fire, wait);
    timer.unref();
  };

  const kick = () => {
    if (stopped) return;
    if (running) again = true;
    else schedule();
  };

  const periodic = periodMs > 0 ? setInterval(kick, periodMs) : undefined;
  periodic?.unref();

  return {
    kick,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
      clearInterval(periodic);
      await running;
    },
  };
}
