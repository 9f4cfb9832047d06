import type { ChainEntry, ReferralStatus, Taxonomy } from '@korgon/domain';
import { useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { optionLabel } from '../../draft/fields';
import { followUpsApi } from '../../features/follow-ups/follow-ups-api';
import { partnerName, StatusBadge } from '../../features/referrals/referral-bits';
import { useCurrentLocale } from '../../i18n/language';
import { describeError } from '../../lib/describe-error';
import { formatDate, formatDateTime } from '../../lib/format';
import { levelClass, levelName } from '../../lib/risk-levels';
import { consultationHref } from '../../lib/route';

/**
 * The caller's anonymous case: this contact and the ones linked to it (the earlier call it follows up, later
 * call-backs), with dates, risk levels, referrals and follow-ups. No identity and no free text; reading others'
 * contacts here is audited by the server like opening them.
 */
export function LinkedContacts({
  id,
  taxonomy,
  linked,
}: {
  id: string;
  taxonomy: Taxonomy | null;
  /** Known to be linked (it follows an earlier contact); otherwise shown only once later contacts are found. */
  linked: boolean;
}) {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const [entries, setEntries] = useState<ChainEntry[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);
  const headingId = useId();

  useEffect(() => {
    void attempt;
    let live = true;
    followUpsApi.chain(id).then(
      (list) => {
        if (live) setEntries(list);
      },
      (e: unknown) => {
        if (live) setError(e);
      },
    );
    return () => {
      live = false;
    };
  }, [id, attempt]);

  // Not known to be linked: nothing on screen until the chain is read and holds another contact.
  if (!linked && (entries === null || entries.length < 2)) return null;

  return (
    <section className="panel linked-contacts" aria-labelledby={headingId} data-testid="linked-contacts">
      <h2 id={headingId}>{t('chain.title')}</h2>
      <p className="field-hint">{t('chain.intro')}</p>
      {error !== null && (
        <div className="alert alert-error" role="alert">
          <p>
            {t('chain.loadFailed')} {describeError(error, t)}
          </p>
          <button type="button" className="button button-small" onClick={() => setAttempt((n) => n + 1)}>
            {t('errors.retry')}
          </button>
        </div>
      )}
      {entries === null && error === null && <p className="muted">{t('chain.loading')}</p>}
      {entries && entries.length > 0 && (
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard on narrow screens.
        <section className="table-scroll" aria-labelledby={headingId} tabIndex={0}>
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t('chain.contact')}</th>
                <th scope="col">{t('chain.channel')}</th>
                <th scope="col">{t('chain.risk')}</th>
                <th scope="col">{t('chain.referrals')}</th>
                <th scope="col">{t('chain.followUps')}</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr
                  key={e.id}
                  data-testid="chain-entry"
                  data-consultation-id={e.id}
                  className={e.current ? 'current-contact' : undefined}
                  aria-current={e.current ? 'true' : undefined}
                >
                  <th scope="row">
                    {e.current ? (
                      formatDateTime(e.createdAt, locale)
                    ) : (
                      <a href={consultationHref(e.id)}>{formatDateTime(e.createdAt, locale)}</a>
                    )}
                    {e.reference && <span className="muted"> · {e.reference}</span>}
                    {e.current && <span className="muted"> · {t('chain.thisOne')}</span>}
                    {e.status === 'draft' && <span className="muted"> · {t('history.draft')}</span>}
                  </th>
                  <td>
                    {optionLabel(taxonomy, 'channels', e.channel, locale)}
                    {e.followUpKind && (
                      <>
                        <br />
                        <span className="muted">{t(`followUps.kinds.${e.followUpKind}`)}</span>
                      </>
                    )}
                  </td>
                  <td>
                    {e.riskLevel ? (
                      <span className={`level-badge ${levelClass(e.riskLevel)}`}>
                        {levelName(e.riskLevel, locale, t)}
                      </span>
                    ) : (
                      '—'
                    )}
                  </td>
                  <td>
                    {e.referrals.length === 0
                      ? '—'
                      : e.referrals.map((r) => (
                          <div key={r.id}>
                            {partnerName(r.partner, locale)}{' '}
                            <StatusBadge status={r.status as ReferralStatus} />
                          </div>
                        ))}
                  </td>
                  <td data-testid="chain-follow-ups">
                    {e.followUps.length === 0
                      ? '—'
                      : e.followUps.map((f) => (
                          <div key={f.id} data-state={f.state}>
                            {t(`followUps.kinds.${f.kind}`)}: {t(`followUps.states.${f.state}`)} ·{' '}
                            {formatDate(f.dueAt, locale)}
                          </div>
                        ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </section>
  );
}
