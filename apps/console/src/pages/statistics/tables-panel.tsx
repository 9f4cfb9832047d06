import type { StatisticsDimension } from '@korgon/domain';
import { lazy, Suspense, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useCurrentLocale } from '../../i18n/language';
import { formatDate } from '../../lib/format';
import { ExportSlot } from './export-slot';
import { statisticsApi, useRead } from './statistics-api';
import { labelIn, ReadView } from './statistics-common';
import { rangeOf, type StatisticsState } from './statistics-state';
import { hasFigures, StatisticsTableView } from './statistics-table';

/** visx and the chart are a chunk of their own, fetched when a table is first drawn (ADR 0003). */
const StatisticsChart = lazy(() => import('./statistics-charts'));

/**
 * Tables: a dimension for the rows and, if wanted, one for the columns; the table with its totals, drawn as
 * bars above it. The dimensions' names come from the server in all three languages.
 */
export function TablesPanel({
  state,
  dimensions,
  onChange,
}: {
  state: StatisticsState;
  dimensions: StatisticsDimension[];
  onChange: (next: Partial<StatisticsState>) => void;
}) {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const id = useId();
  const [shares, setShares] = useState(false);
  const { from, to } = rangeOf(state);
  // Until one is chosen, the rows are the first dimension (the kind of contact), so the screen opens with figures.
  const rows = state.rows || dimensions[0]?.key || '';
  const cols = state.cols && state.cols !== rows ? state.cols : '';
  const key = rows ? JSON.stringify({ table: { from, to, rows, cols } }) : null;
  const table = useRead(key, () => statisticsApi.table(cols ? { from, to, rows, cols } : { from, to, rows }));

  const nameOf = (k: string) => {
    const d = dimensions.find((x) => x.key === k);
    return d ? labelIn(d.label, locale) : k;
  };
  const multi = (d: StatisticsDimension) => (d.multiValued ? ` ${t('stats.multiMark')}` : '');
  const range =
    from === to
      ? formatDate(from, locale)
      : t('stats.rangeShort', { from: formatDate(from, locale), to: formatDate(to, locale) });
  const title = cols
    ? t('stats.tableTitleCrossed', { rows: nameOf(rows), cols: nameOf(cols), range })
    : t('stats.tableTitle', { rows: nameOf(rows), range });

  return (
    <div className="stat-tables">
      <div className="stat-controls">
        <div className="field">
          <label htmlFor={`${id}-rows`}>{t('stats.rows')}</label>
          <select
            id={`${id}-rows`}
            value={rows}
            onChange={(e) => onChange({ rows: e.target.value })}
            data-testid="stat-rows"
          >
            {dimensions.map((d) => (
              <option key={d.key} value={d.key}>
                {labelIn(d.label, locale)}
                {multi(d)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-cols`}>{t('stats.cols')}</label>
          <select
            id={`${id}-cols`}
            value={cols}
            onChange={(e) => onChange({ cols: e.target.value })}
            data-testid="stat-cols"
          >
            <option value="">{t('stats.noCols')}</option>
            {dimensions
              .filter((d) => d.key !== rows)
              .map((d) => (
                <option key={d.key} value={d.key}>
                  {labelIn(d.label, locale)}
                  {multi(d)}
                </option>
              ))}
          </select>
        </div>
        <label className="stat-check">
          <input
            type="checkbox"
            checked={shares}
            onChange={(e) => setShares(e.target.checked)}
            data-testid="stat-shares"
          />
          {t('stats.showShares')}
        </label>
        <div className="stat-export">
          <ExportSlot
            request={cols ? { report: 'table', from, to, rows, cols } : { report: 'table', from, to, rows }}
          />
        </div>
      </div>
      <div aria-busy={table.read.state === 'loading'}>
        <ReadView read={table.read} retry={table.retry} loading={t('stats.loadingTable')}>
          {(data) =>
            data.rows.length === 0 ? (
              <p className="muted" data-testid="stat-empty">
                {t('stats.empty')}
              </p>
            ) : (
              <>
                <p className="sr-only" role="status">
                  {t('stats.tableReady', { title })}
                </p>
                {hasFigures(data) && (
                  <Suspense fallback={<p className="muted">{t('stats.loadingChart')}</p>}>
                    <StatisticsChart table={data} title={title} crossed={cols !== ''} />
                  </Suspense>
                )}
                <StatisticsTableView
                  table={data}
                  rowsLabel={nameOf(rows)}
                  colsLabel={cols ? nameOf(cols) : null}
                  shares={shares}
                  caption={title}
                />
                {data.total.value === 0 && (
                  <p className="muted" data-testid="stat-empty">
                    {t('stats.emptyPeriod')}
                  </p>
                )}
              </>
            )
          }
        </ReadView>
      </div>
    </div>
  );
}
