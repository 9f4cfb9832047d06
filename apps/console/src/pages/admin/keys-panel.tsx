import type { KeyStatus, ReencryptRun } from '@korgon/domain';
import { useQuery } from '@tanstack/react-query';
import type { TFunction } from 'i18next';
import { Fragment, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { useCurrentLocale } from '../../i18n/language';
import { describeError } from '../../lib/describe-error';
import { formatDate } from '../../lib/format';
import { queryKeys } from '../../lib/query-keys';
import { keysApi } from './keys-api';
import { MaintenanceRunsTable } from './maintenance-runs-table';

const countFormats = new Map<string, Intl.NumberFormat>();
/** A count with the locale's grouping (Kyrgyz, where the browser lacks it, as Russian: 1 204). */
function formatCount(n: number, locale: string): string {
  let f = countFormats.get(locale);
  if (!f) {
    f = new Intl.NumberFormat(Intl.NumberFormat.supportedLocalesOf(locale).length > 0 ? locale : 'ru');
    countFormats.set(locale, f);
  }
  return f.format(n);
}

/** A version's rows, as "v1: 1 204 · v2: 35"; a dash when the table holds no sealed text. */
function versionsText(versions: { version: number | null; rows: number }[], locale: string, t: TFunction) {
  if (versions.length === 0) return '—';
  return versions
    .map(
      (v) => `${v.version === null ? t('keys.noVersion') : `v${v.version}`}: ${formatCount(v.rows, locale)}`,
    )
    .join(' · ');
}

const resealedOf = (r: ReencryptRun) =>
  Object.values(r.counts.tables ?? {}).reduce((n, c) => n + c.resealed, 0);
const unreadableOf = (r: ReencryptRun) =>
  Object.values(r.counts.tables ?? {}).reduce((n, c) => n + c.unreadable, 0);

/**
 * Key rotation (docs/security.md "Key rotation"): the notes key's version and the rows sealed under each version
 * per table, the caller keys (old ones with their days of matching left), the re-encryption runs, and
 * "Re-encrypt now" behind a confirm. Versions, counts and dates only: the console never sees key material.
 */
export function KeysPanel() {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const headingId = useId();
  const id = useId();
  const read = useQuery({
    queryKey: queryKeys.keys,
    queryFn: keysApi.status,
    // While a run is queued or at work, the status is read again every few seconds.
    refetchInterval: (q) => (q.state.data?.running ? 3000 : false),
  });
  const status: KeyStatus | null = read.data ?? null;
  const error = read.error;
  const [confirming, setConfirming] = useState(false);
  const [pending, setPending] = useState(false);
  const [queued, setQueued] = useState(false);
  const [startError, setStartError] = useState<unknown>(null);

  const load = () => void read.refetch();

  async function start() {
    setConfirming(false);
    if (pending) return;
    setPending(true);
    setStartError(null);
    setQueued(false);
    try {
      await keysApi.reencryptNow();
      setQueued(true);
      load();
    } catch (err) {
      setStartError(err);
    } finally {
      setPending(false);
    }
  }

  const notes = status?.notes;
  const callers = status?.callers;
  return (
    <section className="panel keys-panel" aria-labelledby={headingId} data-testid="keys-panel">
      <h2 id={headingId}>{t('keys.title')}</h2>
      <p className="field-hint">{t('keys.intro')}</p>
      {error !== null && (
        <p className="alert alert-error" role="alert">
          {t('keys.loadFailed')} {describeError(error, t)}
        </p>
      )}
      {status === null && error === null && <p>{t('keys.loading')}</p>}
      {notes && callers && (
        <>
          <section className="keys-section" aria-labelledby={`${id}-notes`} data-testid="keys-notes">
            <h3 id={`${id}-notes`}>{t('keys.notesTitle')}</h3>
            <dl className="facts">
              <dt>{t('keys.currentVersion')}</dt>
              <dd data-testid="keys-notes-version">v{notes.currentVersion}</dd>
              <dt>{t('keys.readable')}</dt>
              <dd>{notes.readableVersions.map((v) => `v${v}`).join(', ')}</dd>
              <dt>{t('keys.pending')}</dt>
              <dd data-testid="keys-pending">{formatCount(notes.pending, locale)}</dd>
            </dl>
            {notes.unreadable > 0 && (
              <p className="alert alert-error" role="alert">
                {t('keys.unreadable', { count: notes.unreadable })}
              </p>
            )}
            {notes.removable.length > 0 && (
              <p className="alert alert-success" data-testid="keys-removable">
                {t('keys.removable', { versions: notes.removable.map((v) => `v${v}`).join(', ') })}
              </p>
            )}
            {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard on narrow screens. */}
            <section className="table-scroll" aria-labelledby={`${id}-notes`} tabIndex={0}>
              <table className="table keys-table">
                <thead>
                  <tr>
                    <th scope="col">{t('keys.col.table')}</th>
                    <th scope="col">{t('keys.col.versions')}</th>
                  </tr>
                </thead>
                <tbody>
                  {notes.tables.map((row) => (
                    <tr key={row.table} data-testid="keys-table-row" data-table={row.table}>
                      <th scope="row">{t(`keys.tables.${row.table}`)}</th>
                      <td>{versionsText(row.versions, locale, t)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          </section>

          <section className="keys-section" aria-labelledby={`${id}-callers`} data-testid="keys-callers">
            <h3 id={`${id}-callers`}>{t('keys.callersTitle')}</h3>
            <p className="field-hint">{t('keys.callersIntro', { days: callers.matchDays })}</p>
            <dl className="facts">
              <dt>{t('keys.currentVersion')}</dt>
              <dd data-testid="keys-callers-version">v{callers.currentVersion}</dd>
              {callers.tables.map((row) => (
                <Fragment key={row.table}>
                  <dt>{t(`keys.callerTables.${row.table}`)}</dt>
                  <dd>{versionsText(row.versions, locale, t)}</dd>
                </Fragment>
              ))}
            </dl>
            {callers.oldKeys.length === 0 ? (
              <p className="muted">{t('keys.noOldCallerKeys')}</p>
            ) : (
              <ul className="keys-old-callers" data-testid="keys-old-callers">
                {callers.oldKeys.map((k) => (
                  <li key={k.version}>
                    <strong>v{k.version}</strong>{' '}
                    {k.matching
                      ? t('keys.oldKeyMatching', {
                          retired: formatDate(k.retiredOn, locale),
                          until: formatDate(k.matchingUntil, locale),
                          count: k.daysLeft,
                        })
                      : t('keys.oldKeyExpired', {
                          retired: formatDate(k.retiredOn, locale),
                          until: formatDate(k.matchingUntil, locale),
                        })}
                  </li>
                ))}
              </ul>
            )}
          </section>

          <section className="keys-section" aria-labelledby={`${id}-runs`} data-testid="keys-runs">
            <h3 id={`${id}-runs`}>{t('keys.runsTitle')}</h3>
            <p className="field-hint">{t('keys.runsIntro')}</p>
            <div className="row-actions">
              <button
                type="button"
                className="button button-primary"
                aria-disabled={pending || status.running || undefined}
                onClick={() => {
                  if (!pending && !status.running) setConfirming(true);
                }}
                data-testid="keys-reencrypt"
              >
                {t('keys.reencryptNow')}
              </button>
              <button type="button" className="button" onClick={load}>
                {t('keys.refresh')}
              </button>
            </div>
            <div role="status" className="feedback">
              {status.running && <p className="alert">{t('keys.running')}</p>}
              {queued && !status.running && <p className="alert alert-success">{t('keys.queued')}</p>}
            </div>
            {startError !== null && (
              <p className="alert alert-error" role="alert">
                {describeError(startError, t)}
              </p>
            )}
            {status.runs.length === 0 ? (
              <p className="muted">{t('keys.noRuns')}</p>
            ) : (
              <MaintenanceRunsTable
                runs={status.runs}
                ns="keys"
                labelledBy={`${id}-runs`}
                counts={(r) =>
                  t('keys.countsText', {
                    resealed: formatCount(resealedOf(r), locale),
                    version: r.counts.toVersion ?? notes.currentVersion,
                    unreadable: formatCount(unreadableOf(r), locale),
                    remaining: formatCount(r.counts.remaining ?? 0, locale),
                  })
                }
              />
            )}
          </section>
          <ConfirmDialog
            open={confirming}
            title={t('keys.confirmTitle')}
            confirmLabel={t('keys.confirm')}
            cancelLabel={t('keys.cancel')}
            onConfirm={() => void start()}
            onCancel={() => setConfirming(false)}
            testId="keys-reencrypt-confirm"
          >
            <p>{t('keys.confirmText', { version: notes.currentVersion, count: notes.pending })}</p>
          </ConfirmDialog>
        </>
      )}
    </section>
  );
}
