import {
  can,
  type ExportFormat,
  type ExportStatus,
  queuePeriodOf,
  referralsByOf,
  type StatisticsDimension,
} from '@korgon/domain';
import { useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useCurrentLocale } from '../../i18n/language';
import { useAuthStore } from '../../lib/auth-store';
import { describeError } from '../../lib/describe-error';
import { formatDate, formatDateTime } from '../../lib/format';
import type { ExportSlotRequest } from './export-slot';
import { exportFileUrl } from './exports-api';
import { useExports } from './exports-query';
import { labelIn } from './statistics-common';
import { bishkekToday } from './statistics-state';

/** The progress bar of one export, then its download; live from the `export:progress` pushes. */
function ExportProgressView({ e }: { e: ExportStatus }) {
  const { t } = useTranslation();
  const percent = Math.round(e.progress * 100);
  return (
    <span className="export-progress" data-testid={`export-${e.id}`} data-state={e.state}>
      {(e.state === 'queued' || e.state === 'running') && (
        <>
          <progress
            max={100}
            value={percent}
            aria-label={t('exports.progressLabel', { format: e.format.toUpperCase() })}
            data-testid="export-progress"
          />
          <span className="muted">{t(`exports.state.${e.state}`, { percent })}</span>
        </>
      )}
      {e.state === 'done' && (
        <a
          className="button button-small"
          href={exportFileUrl(e.id)}
          download={e.fileName ?? undefined}
          data-testid="export-download"
        >
          {t('exports.download', { format: e.format.toUpperCase() })}
        </a>
      )}
      {e.state === 'failed' && <span className="inline-error">{e.error ?? t('exports.state.failed')}</span>}
      {e.state === 'expired' && <span className="muted">{t('exports.state.expired')}</span>}
    </span>
  );
}

/**
 * "Export CSV / XLSX" of what is on screen (a table, the queue, referral or follow-up figures): the server's
 * worker writes the file, every figure through disclosure control; the progress shows here, then the download.
 */
export function ExportControl({ request }: { request: ExportSlotRequest }) {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const { start, exports } = useExports();
  const [current, setCurrent] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const key = JSON.stringify(request);
  // What is on screen changed: the last export was of something else.
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` says what the request is
  useEffect(() => {
    setCurrent(null);
    setError(null);
  }, [key]);

  const go = async (format: ExportFormat) => {
    setBusy(true);
    setError(null);
    try {
      setCurrent(await start({ ...request, format, locale }));
    } catch (err) {
      setError(describeError(err, t));
    } finally {
      setBusy(false);
    }
  };
  const shown = exports.find((e) => e.id === current);
  return (
    <div className="export-control" data-testid="export-control">
      <fieldset className="stat-steps export-formats">
        <legend className="sr-only">{t('exports.groupLabel')}</legend>
        {(['csv', 'xlsx'] as const).map((f) => (
          <button
            key={f}
            type="button"
            className="button button-small"
            disabled={busy}
            onClick={() => void go(f)}
            data-testid={`export-${f}`}
          >
            {t('exports.start', { format: f.toUpperCase() })}
          </button>
        ))}
      </fieldset>
      <div aria-live="polite">
        {shown && <ExportProgressView e={shown} />}
        {error && (
          <span className="inline-error" role="alert">
            {error}
          </span>
        )}
      </div>
    </div>
  );
}

const lastMonth = () => {
  const [y, m] = bishkekToday().split('-').map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
};

/**
 * The recent exports (one's own) and the Ministry's monthly reports (managers'), with a build for a month. A
 * table export is named by its dimensions' names in the console's language (from GET /api/statistics/dimensions,
 * which the statistics screen has read; the key until it has).
 */
export function RecentExports({ dimensions }: { dimensions?: readonly StatisticsDimension[] | undefined }) {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const me = useAuthStore((s) => s.me);
  const publishes = me ? can(me.role, 'statistics:publish') : false;
  const { status, exports, monthly } = useExports();
  const [month, setMonth] = useState(lastMonth);
  const [error, setError] = useState<string | null>(null);
  const id = useId();

  const describe = (e: ExportStatus) => {
    const p = e.params;
    const range =
      p.month ??
      (p.from === p.to
        ? formatDate(p.from, locale)
        : `${formatDate(p.from, locale)} – ${formatDate(p.to, locale)}`);
    const dimension = (key: string) => {
      const d = dimensions?.find((x) => x.key === key);
      return d ? labelIn(d.label, locale) : key;
    };
    const what =
      e.report === 'table'
        ? [p.rows, p.cols]
            .filter((x): x is string => !!x)
            .map(dimension)
            .join(' × ')
        : e.report === 'queue'
          ? t(`stats.per.${queuePeriodOf(p.by)}`)
          : e.report === 'referrals'
            ? t(`stats.rby.${referralsByOf(p.by)}`)
            : '';
    return `${t(`exports.report.${e.report}`)}${what ? ` (${what})` : ''}, ${range}`;
  };

  return (
    <section className="panel exports-panel" aria-labelledby={`${id}-title`} data-testid="exports-panel">
      <h2 id={`${id}-title`}>{t('exports.title')}</h2>
      {publishes && (
        <form
          className="stat-controls"
          onSubmit={(ev) => {
            ev.preventDefault();
            setError(null);
            monthly(month, locale).catch((err: unknown) => setError(describeError(err, t)));
          }}
        >
          <div className="field">
            <label htmlFor={`${id}-month`}>{t('exports.monthlyMonth')}</label>
            <input
              id={`${id}-month`}
              type="month"
              value={month}
              required
              onChange={(ev) => setMonth(ev.target.value)}
              data-testid="export-monthly-month"
            />
          </div>
          <button type="submit" className="button" data-testid="export-monthly">
            {t('exports.monthlyBuild')}
          </button>
          <p className="muted">{t('exports.monthlyNote')}</p>
          {error && (
            <p className="inline-error" role="alert">
              {error}
            </p>
          )}
        </form>
      )}
      {status === 'failed' && <p className="inline-error">{t('exports.loadFailed')}</p>}
      {status === 'ready' && exports.length === 0 && <p className="muted">{t('exports.none')}</p>}
      {exports.length > 0 && (
        <div className="table-scroll">
          <table className="stat-table exports-table">
            <caption className="sr-only">{t('exports.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('exports.columns.what')}</th>
                <th scope="col">{t('exports.columns.format')}</th>
                <th scope="col">{t('exports.columns.asked')}</th>
                <th scope="col">{t('exports.columns.file')}</th>
              </tr>
            </thead>
            <tbody aria-live="polite">
              {exports.map((e) => (
                <tr key={e.id}>
                  <td>{describe(e)}</td>
                  <td>{e.format.toUpperCase()}</td>
                  <td>
                    {formatDateTime(e.createdAt, locale)}
                    {e.requestedBy ? ` · ${e.requestedBy.displayName}` : ` · ${t('exports.scheduled')}`}
                  </td>
                  <td>
                    <ExportProgressView e={e} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
