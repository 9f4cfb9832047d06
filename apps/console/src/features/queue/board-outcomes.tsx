import type { CallOutcomes } from '@korgon/domain';
import { useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { queueApi } from './queue-api';
import { useQueueStore } from './queue-store';

/** Reads the outcomes again at most this often while the queue changes. */
const REFRESH_MS = 3_000;

/** Today's calls by outcome: answered, abandoned, transferred, and lost (closed without an end) apart. */
export function BoardOutcomes() {
  const { t } = useTranslation();
  const version = useQueueStore((s) => s.version);
  const [outcomes, setOutcomes] = useState<CallOutcomes | null>(null);
  const headingId = useId();

  const lastRead = useRef(0);

  // Follows the live queue's version (a call that leaves the line changes the figures): the first read at
  // once, later ones at most every few seconds.
  useEffect(() => {
    let live = true;
    // From the last read, not from this change: a busy queue still gets fresh figures every few seconds.
    const wait = Math.max(0, lastRead.current + REFRESH_MS - Date.now());
    const timer = window.setTimeout(() => {
      lastRead.current = Date.now();
      queueApi.outcomes().then(
        (o) => {
          if (live && version >= 0) setOutcomes(o);
        },
        () => undefined,
      );
    }, wait);
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [version]);

  const shown = (n: number | undefined) => (n === undefined ? '—' : String(n));
  const figures = [
    ['answered', t('board.outcomeAnswered'), outcomes?.answered],
    ['abandoned', t('board.outcomeAbandoned'), outcomes?.abandoned],
    ['transferred', t('board.outcomeTransferred'), outcomes?.transferred],
    ['lost', t('board.outcomeLost'), outcomes?.lost],
    ['open', t('board.outcomeOpen'), outcomes?.open],
  ] as const;
  return (
    <>
      <h3 id={headingId}>{t('board.outcomesTitle')}</h3>
      <dl className="figures figures-small" aria-labelledby={headingId} data-testid="board-outcomes">
        {figures.map(([key, label, value]) => (
          <div className="figure" key={key}>
            <dt>{label}</dt>
            <dd data-testid={`outcome-${key}`}>{shown(value)}</dd>
          </div>
        ))}
      </dl>
    </>
  );
}
