import type { BoardFigures } from '@korgon/domain';
import { describe, expect, it } from 'vitest';
import { createFiguresPush } from './figures-push';

/** A recomputation the test finishes by hand, so what overlaps what is decided by the test, not by timing. */
function controlled() {
  const started: (() => void)[] = [];
  let computed = 0;
  const emitted: number[] = [];
  let onStart: (() => void) | undefined;
  const push = createFiguresPush({
    debounceMs: 5,
    maxDelayMs: 20,
    compute: () =>
      new Promise<BoardFigures>((resolve) => {
        const n = ++computed;
        started.push(() => resolve({ at: String(n) } as BoardFigures));
        onStart?.();
      }),
    emit: (f) => emitted.push(Number(f.at)),
  });
  const nextStart = () =>
    new Promise<void>((resolve) => {
      onStart = resolve;
    });
  return { push, started, emitted, computed: () => computed, nextStart };
}

describe('the figures push', () => {
  it('makes one recomputation of a burst of kicks, and pushes what it computed', async () => {
    const c = controlled();
    const first = c.nextStart();
    for (let i = 0; i < 50; i++) c.push.kick();
    await first;
    expect(c.computed()).toBe(1);
    c.started[0]?.();
    await c.push.stop();
    expect(c.emitted).toEqual([1]);
  });

  it('runs one recomputation at a time: kicks during one make exactly one more after it', async () => {
    const c = controlled();
    const first = c.nextStart();
    c.push.kick();
    await first;
    for (let i = 0; i < 10; i++) c.push.kick();
    const second = c.nextStart();
    c.started[0]?.();
    await second;
    expect(c.computed()).toBe(2);
    c.started[1]?.();
    await c.push.stop();
    expect(c.emitted).toEqual([1, 2]);
  });

  it('keeps going after a failed recomputation, and does nothing once stopped', async () => {
    const errors: string[] = [];
    let calls = 0;
    const emitted: string[] = [];
    let done: () => void = () => {};
    const push = createFiguresPush({
      debounceMs: 1,
      compute: async () => {
        calls++;
        if (calls === 1) {
          setImmediate(() => done());
          throw new Error('database away');
        }
        setImmediate(() => done());
        return { at: 'ok' } as BoardFigures;
      },
      emit: (f) => emitted.push(f.at),
      onError: (err) => errors.push(err.message),
    });
    await new Promise<void>((resolve) => {
      done = resolve;
      push.kick();
    });
    await new Promise<void>((resolve) => {
      done = resolve;
      push.kick();
    });
    await push.stop();
    push.kick();
    expect(errors).toEqual(['database away']);
    expect(emitted).toEqual(['ok']);
    expect(calls).toBe(2);
  });
});
