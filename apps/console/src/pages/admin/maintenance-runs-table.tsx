import type { MAINTENANCE_RUN_STATUSES } from '@korgon/domain';
import { useTranslation } from 'react-i18next';
import { useCurrentLocale } from '../../i18n/language';
import { formatDateTime } from '../../lib/format';

interface Run {
  id: number;
  trigger: 'schedule' | 'manual';
  startedBy: { displayName: string } | null;
  startedAt: string;
  status: (typeof MAINTENANCE_RUN_STATUSES)[number];
  error: string | null;
}

const STATUS_CLASS: Record<Run['status'], string> = {
  queued: 'status',
  running: 'status',
  succeeded: 'status status-active',
  failed: 'status status-inactive',
};

/**
 * The runs of a maintenance job (retention on its tab, re-encryption on Security): when, why, who, how it
 * ended, and what it did in words (`counts`, for a run that ended). Scrolls inside its panel on narrow screens.
 */
export function MaintenanceRunsTable<R extends Run>({
  runs,
  ns,
  labelledBy,
  counts,
}: {
  runs: readonly R[];
  /** The locale section holding `col.*`, `trigger.*`, `status.*` and `system`. */
  ns: 'keys' | 'retention';
  labelledBy: string;
  counts: (run: R) => string;
}) {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard on narrow screens.
    <section className="table-scroll" aria-labelledby={labelledBy} tabIndex={0}>
      <table className={`table ${ns}-runs-table`}>
        <thead>
          <tr>
            <th scope="col">{t(`${ns}.col.time`)}</th>
            <th scope="col">{t(`${ns}.col.trigger`)}</th>
            <th scope="col">{t(`${ns}.col.by`)}</th>
            <th scope="col">{t(`${ns}.col.status`)}</th>
            <th scope="col">{t(`${ns}.col.counts`)}</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => (
            <tr key={r.id} data-testid={`${ns}-run`} data-status={r.status}>
              <td>{formatDateTime(r.startedAt, locale)}</td>
              <td>{t(`${ns}.trigger.${r.trigger}`)}</td>
              <td>{r.startedBy?.displayName ?? t(`${ns}.system`)}</td>
              <td>
                <span className={STATUS_CLASS[r.status]}>{t(`${ns}.status.${r.status}`)}</span>
                {r.error && <span className="muted"> {r.error}</span>}
              </td>
              <td>{r.status === 'succeeded' || r.status === 'failed' ? counts(r) : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
