import { useEffect, useId, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useCurrentLocale } from '../../i18n/language';
import { describeError } from '../../lib/describe-error';
import { formatDateTime } from '../../lib/format';
import { noteText, partnerName, StatusBadge } from '../referrals/referral-bits';
import { referralsApi } from '../referrals/referrals-api';
import { isOpenReferral, useReferralsStore } from '../referrals/referrals-store';
import { consultationHref } from '../shell/route';

/** Every open referral (GET /api/referrals), urgent first, kept live by `referral:changed`. */
export function OpenReferrals() {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const byId = useReferralsStore((s) => s.byId);
  const epoch = useReferralsStore((s) => s.epoch);
  const [status, setStatus] = useState<'loading' | 'ready' | 'error'>('loading');
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);
  const headingId = useId();

  useEffect(() => {
    void epoch;
    void attempt;
    let live = true;
    referralsApi.open().then(
      (list) => {
        if (!live) return;
        useReferralsStore.getState().upsertMany(list);
        setStatus('ready');
      },
      (e: unknown) => {
        if (!live) return;
        setError(e);
        setStatus('error');
      },
    );
    return () => {
      live = false;
    };
  }, [epoch, attempt]);

  const open = useMemo(
    () =>
      Object.values(byId)
        .filter(isOpenReferral)
        .sort(
          (a, b) =>
            Number(b.urgency === 'urgent') - Number(a.urgency === 'urgent') ||
            a.createdAt.localeCompare(b.createdAt),
        ),
    [byId],
  );

  return (
    <section className="panel" aria-labelledby={headingId} data-testid="open-referrals">
      <h2 id={headingId}>{t('board.referralsTitle')}</h2>
      {status === 'error' && (
        <div className="alert alert-error" role="alert">
          <p>
            {t('referrals.loadFailed')} {describeError(error, t)}
          </p>
          <button type="button" className="button button-small" onClick={() => setAttempt((n) => n + 1)}>
            {t('errors.retry')}
          </button>
        </div>
      )}
      {status === 'loading' && open.length === 0 && <p role="status">{t('referrals.loading')}</p>}
      {status !== 'loading' && open.length === 0 && (
        <p className="muted" data-testid="open-referrals-empty">
          {t('board.noOpenReferrals')}
        </p>
      )}
      {open.length > 0 && (
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard on narrow screens.
        <section className="table-scroll" aria-labelledby={headingId} tabIndex={0}>
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t('board.refPartner')}</th>
                <th scope="col">{t('board.refStatus')}</th>
                <th scope="col">{t('board.refUrgency')}</th>
                <th scope="col">{t('board.refSent')}</th>
                <th scope="col">{t('board.refProblem')}</th>
                <th scope="col">{t('board.refConsultation')}</th>
              </tr>
            </thead>
            <tbody>
              {open.map((r) => {
                const last = r.events.at(-1);
                const problem =
                  r.status === 'failed' ? (r.lastError ?? '') : last?.note ? noteText(last.note, t) : '';
                return (
                  <tr key={r.id} data-testid="open-referral" data-referral-id={r.id} data-status={r.status}>
                    <th scope="row">
                      {partnerName(r.partner.name, locale)}
                      <br />
                      <span className="mono muted" data-testid="open-referral-reference">
                        {r.reference}
                      </span>
                    </th>
                    <td>
                      <StatusBadge status={r.status} testId="open-referral-status" />
                    </td>
                    <td>
                      {r.urgency === 'urgent' ? (
                        <span className="urgency-badge">{t('referrals.urgency.urgent')}</span>
                      ) : (
                        t('referrals.urgency.standard')
                      )}
                    </td>
                    <td>
                      <time dateTime={r.createdAt}>{formatDateTime(r.createdAt, locale)}</time>
                      <br />
                      <span className="muted">{r.createdBy.displayName}</span>
                    </td>
                    <td>
                      {r.consent.exception && (
                        <span className="badge badge-red">{t('board.refException')}</span>
                      )}{' '}
                      {problem}
                    </td>
                    <td>
                      <a
                        className="mono"
                        href={consultationHref(r.consultationId)}
                        aria-label={t('alerts.consultation', { id: r.consultationReference })}
                      >
                        {r.consultationReference}
                      </a>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </section>
      )}
    </section>
  );
}
