import type { Referral, Taxonomy } from '@korgon/domain';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type DraftController, useDraft } from '../../draft/draft-controller';
import { useCurrentLocale } from '../../i18n/language';
import { describeError } from '../../lib/describe-error';
import { partnerName } from './referral-bits';
import { ReferralCard } from './referral-card';
import { ReferralForm } from './referral-form';
import { referralsApi } from './referrals-api';
import { useReferralsStore } from './referrals-store';
import { usePartners } from './use-partners';

/**
 * The consultation's referrals: those sent, each with its live status and timeline, and a form for a new one.
 * Status changes arrive over the socket (`referral:changed`) and are announced politely (a failure assertively).
 */
export function ReferralsSection({ c, taxonomy }: { c: DraftController; taxonomy: Taxonomy }) {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const consultationId = c.id;
  const data = useDraft(c, (s) => s.draft.data);
  const riskLevel = useDraft(c, (s) => s.savedRisk?.finalLevel ?? null);
  const onServer = useDraft(c, (s) => s.record !== null);
  const serverRegion = useDraft(c, (s) => s.record?.data.survivor.region ?? '');
  const { partners } = usePartners();
  const epoch = useReferralsStore((s) => s.epoch);
  const byId = useReferralsStore((s) => s.byId);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [loaded, setLoaded] = useState(false);
  const [polite, setPolite] = useState('');
  const [assertive, setAssertive] = useState('');

  const referrals = useMemo(
    () =>
      Object.values(byId)
        .filter((r) => r.consultationId === consultationId)
        .sort((a, b) => a.createdAt.localeCompare(b.createdAt)),
    [byId, consultationId],
  );

  const load = useCallback(() => {
    let live = true;
    setLoadError(null);
    referralsApi.ofConsultation(consultationId).then(
      (list) => {
        if (!live) return;
        useReferralsStore.getState().upsertMany(list);
        setLoaded(true);
      },
      (e: unknown) => {
        if (live) setLoadError(e);
      },
    );
    return () => {
      live = false;
    };
  }, [consultationId]);

  useEffect(() => {
    void epoch; // read again after every reconnect of the live socket
    return onServer ? load() : undefined;
  }, [onServer, load, epoch]);

  // Announce what changes while the page is open (not what was there when it opened).
  const seen = useRef<Map<string, Referral['status']> | null>(null);
  useEffect(() => {
    if (!loaded) return;
    const before = seen.current;
    const now = new Map(referrals.map((r) => [r.id, r.status]));
    seen.current = now;
    if (!before) return;
    for (const r of referrals) {
      const was = before.get(r.id);
      if (was === undefined || was === r.status) continue;
      // Redirected (by a supervisor, perhaps): the new referral is not pushed to this operator, so read the list.
      if (r.status === 'revoked' && r.events.at(-1)?.note === 'redirected') load();
      const text = t('referrals.announce', {
        name: partnerName(r.partner.name, locale),
        status: t(`referrals.status.${r.status}`),
      });
      if (r.status === 'failed' || r.status === 'escalated' || r.status === 'rejected') setAssertive(text);
      else setPolite(text);
    }
  }, [referrals, loaded, t, locale, load]);

  const onSent = useCallback((name: string) => setPolite(t('referrals.sentAnnounce', { name })), [t]);

  return (
    <section
      className="panel referrals-section"
      id="sec-referrals"
      aria-labelledby="sec-referrals-h"
      data-testid="referrals"
    >
      <h2 id="sec-referrals-h" tabIndex={-1}>
        {t('referrals.title')}
      </h2>
      <div className="sr-only" aria-live="polite" aria-atomic="true" data-testid="referrals-live-polite">
        {polite}
      </div>
      <div
        className="sr-only"
        aria-live="assertive"
        aria-atomic="true"
        data-testid="referrals-live-assertive"
      >
        {assertive}
      </div>
      {!onServer ? (
        <p className="muted" data-testid="referrals-not-saved">
          {t('referrals.notSavedYet')}
        </p>
      ) : (
        <>
          <h3>{t('referrals.sentTitle')}</h3>
          {loadError !== null && (
            <div className="alert alert-error" role="alert">
              <p>
                {t('referrals.loadFailed')} {describeError(loadError, t)}
              </p>
              <button type="button" className="button button-small" onClick={() => load()}>
                {t('errors.retry')}
              </button>
            </div>
          )}
          {referrals.length === 0 ? (
            loaded && (
              <p className="muted" data-testid="referrals-empty">
                {t('referrals.none')}
              </p>
            )
          ) : (
            <ol className="referral-list" data-testid="referral-list">
              {referrals.map((r) => (
                <ReferralCard key={r.id} r={r} partners={partners} />
              ))}
            </ol>
          )}
          <ReferralForm
            consultationId={consultationId}
            data={data}
            riskLevel={riskLevel}
            taxonomy={taxonomy}
            partners={partners}
            suggestionKey={serverRegion ? `${serverRegion}|${riskLevel ?? ''}` : null}
            flush={() => c.flush()}
            onSent={onSent}
          />
        </>
      )}
    </section>
  );
}
