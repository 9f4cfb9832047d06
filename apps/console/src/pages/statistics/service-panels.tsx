import {
  type Cell,
  type Locale,
  MONTH_LABELS,
  type QueueStatistics,
  REFERRAL_STATISTICS_BY,
  type StatisticsTable,
} from '@korgon/domain';
import type { TFunction } from 'i18next';
import { lazy, Suspense, useId } from 'react';
import { useTranslation } from 'react-i18next';
import { useCurrentLocale } from '../../i18n/language';
import { formatDate } from '../../lib/format';
import { ExportSlot } from './export-slot';
import { statisticsApi, useRead } from './statistics-api';
import { CellView, labelIn, ReadView, SuppressedLegend } from './statistics-common';
import { QUEUE_BY, rangeOf, type StatisticsState } from './statistics-state';
import { hasFigures, shareOf } from './statistics-table';

const StatisticsChart = lazy(() => import('./statistics-charts'));

const percent = (f: number | null) => (f === null ? '—' : `${Math.round(f * 1000) / 10} %`);
const mmss = (s: number) => {
  const whole = Math.round(s);
  return `${String(Math.floor(whole / 60)).padStart(2, '0')}:${String(whole % 60).padStart(2, '0')}`;
};

/** A derived figure (a share, a time): hidden with its counts, "—" where there is nothing to derive it from. */
function Derived({ cell, k, format }: { cell: Cell; k: number; format: (n: number) => string }) {
  const { t } = useTranslation();
  if (cell.suppressed) {
    return (
      <span className="stat-suppressed" data-suppressed="true">
        <span aria-hidden="true">{`<${k}`}</span>
        <span className="sr-only">{t('stats.derivedHidden', { k })}</span>
      </span>
    );
  }
  return <>{cell.value === null ? '—' : format(cell.value)}</>;
}

const dm = (day: string) => `${day.slice(8, 10)}.${day.slice(5, 7)}`;

/**
 * A period's name in the queue table, short enough for one line: a day as the console writes dates, a week as
 * 04.03 – 10.03.2024, a month by its name (from the domain's labels: browsers lack Kyrgyz month names).
 */
function periodName(p: { from: string; to: string }, by: QueueStatistics['by'], locale: Locale): string {
  if (by === 'day' || p.from === p.to) return formatDate(p.from, locale);
  if (by === 'month') {
    const month = MONTH_LABELS[Number(p.from.slice(5, 7)) - 1];
    return month ? `${month[locale]} ${p.from.slice(0, 4)}` : p.from.slice(0, 7);
  }
  return `${dm(p.from)} – ${dm(p.to)}.${p.to.slice(0, 4)}`;
}

/** How a view is grouped (per day/week/month, per partner type/organisation/region): one labelled select. */
function ByField<T extends string>({
  label,
  value,
  options,
  onChange,
  testId,
}: {
  label: string;
  value: T;
  options: { value: T; label: string }[];
  onChange: (value: T) => void;
  testId: string;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        value={value}
        onChange={(e) => {
          const chosen = options.find((o) => o.value === e.target.value);
          if (chosen) onChange(chosen.value);
        }}
        data-testid={testId}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

/**
 * The queue's service figures per day, week or month. The server publishes them under disclosure control
 * like every table (offered is the sum of the outcomes), so a hidden count shows as hidden here too.
 */
export function QueuePanel({
  state,
  onChange,
}: {
  state: StatisticsState;
  onChange: (next: Partial<StatisticsState>) => void;
}) {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const { from, to } = rangeOf(state);
  const by = state.queueBy;
  const queue = useRead(JSON.stringify({ queue: { from, to, by } }), () =>
    statisticsApi.queue({ from, to, by }),
  );

  return (
    <div className="stat-queue">
      <div className="stat-controls">
        <ByField
          label={t('stats.queueBy')}
          value={by}
          options={QUEUE_BY.map((b) => ({ value: b, label: t(`stats.per.${b}`) }))}
          onChange={(v) => onChange({ queueBy: v })}
          testId="stat-queue-by"
        />
        <div className="stat-export">
          <ExportSlot request={{ report: 'queue', from, to, by }} />
        </div>
      </div>
      <ReadView read={queue.read} retry={queue.retry} loading={t('stats.loading')}>
        {(data: QueueStatistics) => {
          const count = (c: Cell) => <CellView cell={c} k={data.k} locale={locale} />;
          const queueTable = queueAsTable(data, t, locale);
          const hidden = data.periods.some((p) =>
            [p.offered, p.answered, p.abandoned, p.shortAbandoned, p.lost].some((c) => c.suppressed),
          );
          return data.periods.length === 0 ? (
            <p className="muted" data-testid="stat-empty">
              {t('stats.empty')}
            </p>
          ) : (
            <>
              {hasFigures(queueTable) && (
                <Suspense fallback={<p className="muted">{t('stats.loadingChart')}</p>}>
                  <StatisticsChart table={queueTable} title={t('stats.queueChart')} crossed />
                </Suspense>
              )}
              <div className="table-scroll">
                <table className="table table-compact stat-table" data-testid="stat-queue-table">
                  <caption className="stat-caption">
                    {t('stats.queueCaption', { seconds: data.thresholdSeconds })}
                  </caption>
                  <thead>
                    <tr>
                      <th scope="col">{t(`stats.periodOf.${data.by}`)}</th>
                      <th scope="col">{t('stats.q.offered')}</th>
                      <th scope="col">{t('stats.q.answered')}</th>
                      <th scope="col">{t('stats.q.abandoned')}</th>
                      <th scope="col">{t('stats.q.shortAbandoned')}</th>
                      <th scope="col">{t('stats.q.lost')}</th>
                      <th scope="col">{t('stats.q.serviceLevel', { seconds: data.thresholdSeconds })}</th>
                      <th scope="col">{t('stats.q.asa')}</th>
                      <th scope="col">{t('stats.q.aht')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.periods.map((p) => (
                      <tr key={p.from} data-testid="stat-queue-row">
                        <th scope="row">{periodName(p, data.by, locale)}</th>
                        <td>{count(p.offered)}</td>
                        <td>{count(p.answered)}</td>
                        <td>{count(p.abandoned)}</td>
                        <td>{count(p.shortAbandoned)}</td>
                        <td>{count(p.lost)}</td>
                        <td>
                          <Derived cell={p.serviceLevel} k={data.k} format={percent} />
                        </td>
                        <td>
                          <Derived cell={p.asaSeconds} k={data.k} format={mmss} />
                        </td>
                        <td>
                          <Derived cell={p.ahtSeconds} k={data.k} format={mmss} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              {hidden && <SuppressedLegend k={data.k} />}
              <p className="stat-note">{t('stats.queueNote')}</p>
            </>
          );
        }}
      </ReadView>
    </div>
  );
}

/** The queue's counts as a table the bar chart draws: periods by offered, answered and abandoned. */
function queueAsTable(data: QueueStatistics, t: TFunction, locale: Locale): StatisticsTable {
  const series = ['offered', 'answered', 'abandoned'] as const;
  const name = (s: (typeof series)[number]) => {
    const text = t(`stats.q.${s}`);
    return { ky: text, ru: text, en: text };
  };
  return {
    k: data.k,
    rows: data.periods.map((p) => {
      const text = periodName(p, data.by, locale);
      return { key: p.from, label: { ky: text, ru: text, en: text } };
    }),
    cols: series.map((s) => ({ key: s, label: name(s) })),
    cells: data.periods.map((p) => series.map((s) => p[s])),
    // The chart draws the cells alone; its totals are not shown.
    rowTotals: data.periods.map((p) => p.offered),
    colTotals: series.map(() => ({ value: null, suppressed: false })),
    total: { value: null, suppressed: false },
    rowsMultiValued: false,
    colsMultiValued: false,
  };
}

/** Referral performance per subject of protection, for the interagency coordination meetings. */
export function ReferralsPanel({
  state,
  onChange,
}: {
  state: StatisticsState;
  onChange: (next: Partial<StatisticsState>) => void;
}) {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const { from, to } = rangeOf(state);
  const by = state.referralsBy;
  const read = useRead(JSON.stringify({ referrals: { from, to, by } }), () =>
    statisticsApi.referrals({ from, to, by }),
  );

  return (
    <div className="stat-referrals">
      <div className="stat-controls">
        <ByField
          label={t('stats.referralsBy')}
          value={by}
          options={REFERRAL_STATISTICS_BY.map((b) => ({ value: b, label: t(`stats.rby.${b}`) }))}
          onChange={(v) => onChange({ referralsBy: v })}
          testId="stat-referrals-by"
        />
        <div className="stat-export">
          <ExportSlot request={{ report: 'referrals', from, to, by }} />
        </div>
      </div>
      <ReadView read={read.read} retry={read.retry} loading={t('stats.loading')}>
        {(data) => {
          if (data.groups.length === 0) {
            return (
              <p className="muted" data-testid="stat-empty">
                {t('stats.empty')}
              </p>
            );
          }
          const cell = (c: Cell) => <CellView cell={c} k={data.k} locale={locale} />;
          const hidden = data.groups.some((g) =>
            [g.sent, g.acknowledged, g.accepted, g.rejected, g.done, g.escalations, g.failures].some(
              (c) => c.suppressed,
            ),
          );
          return (
            <>
              <div className="table-scroll">
                <table className="table table-compact stat-table" data-testid="stat-referrals-table">
                  <caption className="stat-caption">{t('stats.referralsCaption')}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t(`stats.rby.${data.by}`)}</th>
                      <th scope="col">{t('stats.r.sent')}</th>
                      <th scope="col">{t('stats.r.acknowledged')}</th>
                      <th scope="col">{t('stats.r.ackMedian')}</th>
                      <th scope="col">{t('stats.r.ackP90')}</th>
                      <th scope="col">{t('stats.r.accepted')}</th>
                      <th scope="col">{t('stats.r.rejected')}</th>
                      <th scope="col">{t('stats.r.done')}</th>
                      <th scope="col">{t('stats.r.escalations')}</th>
                      <th scope="col">{t('stats.r.failures')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.groups.map((g) => (
                      <tr key={g.key} data-testid="stat-referrals-row">
                        <th scope="row">{labelIn(g.label, locale)}</th>
                        <td>{cell(g.sent)}</td>
                        <td>{cell(g.acknowledged)}</td>
                        <td>
                          <Derived cell={g.ackMedianMinutes} k={data.k} format={(m) => minutes(m, t)} />
                        </td>
                        <td>
                          <Derived cell={g.ackP90Minutes} k={data.k} format={(m) => minutes(m, t)} />
                        </td>
                        <td>
                          {cell(g.accepted)} <Share cell={g.acceptedShare} />
                        </td>
                        <td>
                          {cell(g.rejected)} <Share cell={g.rejectedShare} />
                        </td>
                        <td>
                          {cell(g.done)} <Share cell={g.doneShare} />
                        </td>
                        <td>{cell(g.escalations)}</td>
                        <td>{cell(g.failures)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              {hidden && <SuppressedLegend k={data.k} />}
              <p className="stat-note">{t('stats.referralsNote', { k: data.k })}</p>
            </>
          );
        }}
      </ReadView>
    </div>
  );
}

/** A share the server gives in percent of sent: shown beside its count only where it was published. */
function Share({ cell }: { cell: Cell }) {
  if (cell.suppressed || cell.value === null) return null;
  return <span className="stat-share">({Math.round(cell.value * 10) / 10} %)</span>;
}

function minutes(m: number, t: TFunction): string {
  if (m < 120) return t('stats.minutes', { value: Math.round(m) });
  return t('stats.hours', { value: Math.round((m / 60) * 10) / 10 });
}

/** Follow-ups due in the period: done on time, done late, missed. */
export function FollowUpsPanel({ state }: { state: StatisticsState }) {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const { from, to } = rangeOf(state);
  const read = useRead(JSON.stringify({ followUps: { from, to } }), () =>
    statisticsApi.followUps({ from, to }),
  );
  return (
    <div className="stat-follow-ups">
      <div className="stat-controls">
        <div className="stat-export">
          <ExportSlot request={{ report: 'follow-ups', from, to }} />
        </div>
      </div>
      <ReadView read={read.read} retry={read.retry} loading={t('stats.loading')}>
        {(data) => {
          const rows = [
            ['due', data.due],
            ['doneOnTime', data.doneOnTime],
            ['missed', data.missed],
          ] as const;
          const hidden = rows.some(([, c]) => c.suppressed);
          return (
            <>
              <div className="table-scroll">
                <table className="table table-compact stat-table" data-testid="stat-follow-ups-table">
                  <caption className="stat-caption">{t('stats.followUpsCaption')}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('stats.f.what')}</th>
                      <th scope="col">{t('stats.f.count')}</th>
                      <th scope="col">{t('stats.f.shareOfDue')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {rows.map(([key, c]) => (
                      <tr key={key} data-testid="stat-follow-ups-row">
                        <th scope="row">{t(`stats.f.${key}`)}</th>
                        <td>
                          <CellView cell={c} k={data.k} locale={locale} />
                        </td>
                        <td>{key === 'due' ? '' : percent(shareOf(c, data.due))}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              {hidden && <SuppressedLegend k={data.k} />}
              <p className="stat-note">{t('stats.followUpsNote')}</p>
            </>
          );
        }}
      </ReadView>
    </div>
  );
}
