import type { BoardCharts } from '@korgon/domain';
import { lazy, Suspense, useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useServerNow } from '../../features/queue/queue-hooks';
import { describeError } from '../../lib/describe-error';
import { boardApi } from './board-api';

/** The chart library (visx) and the charts are a chunk of their own, fetched when the board shows them. */
const BoardChartsView = lazy(() => import('./board-charts'));

/** The charts are read again this often, and when the clock hour changes (a new hour's bar begins). */
export const CHARTS_REFRESH_MS = 5 * 60_000;
const HOUR = 3_600_000;

/**
 * Today's calls per hour against the usual day, the service level per hour and the operators online across
 * the shift (GET /api/board/charts), drawn by a lazily loaded chunk (ADR 0003).
 */
export function ChartsPanel() {
  const { t } = useTranslation();
  const headingId = useId();
  const [charts, setCharts] = useState<BoardCharts | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);
  // Server time, so "the hour changed" is the server's hour (every Bishkek hour begins with a UTC hour).
  const hour = Math.floor(useServerNow() / HOUR);

  useEffect(() => {
    void hour;
    void attempt;
    let live = true;
    const read = () =>
      boardApi.charts().then(
        (c) => {
          if (!live) return;
          setCharts(c);
          setError(null);
        },
        (e: unknown) => live && setError(e),
      );
    void read();
    const timer = window.setInterval(() => void read(), CHARTS_REFRESH_MS);
    return () => {
      live = false;
      window.clearInterval(timer);
    };
  }, [hour, attempt]);

  return (
    <section className="panel board-charts" aria-labelledby={headingId} data-testid="charts-panel">
      <h2 id={headingId}>{t('boardCharts.title')}</h2>
      {error !== null && (
        <div className="alert alert-error" role="alert">
          <p>
            {t('boardCharts.loadFailed')} {describeError(error, t)}
          </p>
          <button type="button" className="button button-small" onClick={() => setAttempt((n) => n + 1)}>
            {t('errors.retry')}
          </button>
        </div>
      )}
      {charts === null && error === null && <p role="status">{t('boardCharts.loading')}</p>}
      {charts && (
        <Suspense fallback={<p role="status">{t('boardCharts.loading')}</p>}>
          <BoardChartsView charts={charts} />
        </Suspense>
      )}
    </section>
  );
}
