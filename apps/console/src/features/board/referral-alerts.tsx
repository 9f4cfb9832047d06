import type { Partner } from '@korgon/domain';
import type { TFunction } from 'i18next';
import { useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useCurrentLocale } from '../../i18n/language';
import { ApiError } from '../../lib/api';
import { describeError } from '../../lib/describe-error';
import { formatDateTime } from '../../lib/format';
import { partnerName } from '../referrals/referral-bits';
import { isRetryable, referralsApi } from '../referrals/referrals-api';
import { useReferralsStore } from '../referrals/referrals-store';
import { usePartners } from '../referrals/use-partners';
import { consultationHref } from '../shell/route';
import { type ReferralAlertEntry, useAlertsStore } from './alerts-store';

/** "child_at_risk: the reason" (as the server sends a consent exception) in the reader's language. */
function reasonText(a: ReferralAlertEntry, t: TFunction): string | null {
  if (!a.reason) return null;
  if (a.kind === 'consent_exception') {
    const m = /^(child_at_risk|imminent_danger): ?([\s\S]*)$/.exec(a.reason);
    if (m?.[1] === 'child_at_risk' || m?.[1] === 'imminent_danger')
      return t('referralAlerts.exceptionReason', {
        kind: t(`referrals.exception.${m[1]}`),
        reason: m[2] ?? '',
      });
  }
  return t('referrals.reasonGiven', { reason: a.reason });
}

/**
 * Referral alerts on the supervisor's board: failed deliveries and escalations (with the next suitable
 * partner and a one-click redirect there), and referrals sent under a consent exception. Failures and
 * escalations are announced assertively, exceptions politely.
 */
export function ReferralAlerts() {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const alerts = useAlertsStore((s) => s.referralAlerts);
  const since = useRef(useAlertsStore.getState().seq);
  const headingId = useId();
  const { partners } = usePartners();

  const fresh = alerts.filter((a) => a.seq > since.current);
  const say = (a: ReferralAlertEntry | undefined) =>
    a
      ? t('referralAlerts.announce', {
          kind: t(`referralAlerts.kind.${a.kind}`),
          partner: a.partner,
          time: formatDateTime(a.at, locale),
        })
      : '';
  const assertive = say(fresh.find((a) => a.kind !== 'consent_exception'));
  const polite = say(fresh.find((a) => a.kind === 'consent_exception'));

  return (
    <>
      <h3 id={headingId}>{t('referralAlerts.title')}</h3>
      <div
        className="sr-only"
        aria-live="assertive"
        aria-atomic="true"
        data-testid="referral-alerts-assertive"
      >
        {assertive}
      </div>
      <div className="sr-only" aria-live="polite" aria-atomic="true" data-testid="referral-alerts-polite">
        {polite}
      </div>
      {alerts.length === 0 ? (
        <p className="muted" data-testid="referral-alerts-empty">
          {t('referralAlerts.none')}
        </p>
      ) : (
        <ol className="alert-list" aria-labelledby={headingId} data-testid="referral-alerts">
          {alerts.map((a) => (
            <ReferralAlertItem key={a.seq} a={a} partners={partners} />
          ))}
        </ol>
      )}
    </>
  );
}

function ReferralAlertItem({ a, partners }: { a: ReferralAlertEntry; partners: Partner[] | null }) {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const known = useReferralsStore((s) => s.byId[a.referralId]);
  const markRedirected = useAlertsStore((s) => s.referralRedirected);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const newId = useRef(crypto.randomUUID());
  // The server names partners in English; the console shows the reader's language where it knows the partner.
  const partner = known ? partnerName(known.partner.name, locale) : a.partner;
  const suggested = a.suggestion ? (partners?.find((p) => p.id === a.suggestion?.partnerId) ?? null) : null;
  const suggestedName = suggested ? partnerName(suggested.name, locale) : (a.suggestion?.name ?? '');
  const reason = reasonText(a, t);
  const stillOpen = !known || ['failed', 'escalated', 'queued', 'sent', 'delivered'].includes(known.status);

  async function redirect() {
    if (busy || !a.suggestion) return;
    setBusy(true);
    setError(null);
    try {
      const r = await referralsApi.redirect(a.referralId, a.suggestion.partnerId, newId.current);
      useReferralsStore.getState().upsert(r);
      markRedirected(a.seq, suggestedName);
    } catch (e) {
      if (!isRetryable(e)) newId.current = crypto.randomUUID();
      if (e instanceof ApiError && e.status === 409) useReferralsStore.getState().reconnected();
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <li
      className={`referral-alert referral-alert-${a.kind}`}
      data-testid="referral-alert"
      data-kind={a.kind}
      data-referral-id={a.referralId}
    >
      <p className="referral-alert-head">
        <strong>{t(`referralAlerts.kind.${a.kind}`)}</strong>
        {a.urgency === 'urgent' && <span className="urgency-badge">{t('referrals.urgency.urgent')}</span>}
        <span data-testid="referral-alert-partner">{partner}</span>
        <time dateTime={a.at}>{formatDateTime(a.at, locale)}</time>
      </p>
      {reason && (
        <p className="referral-alert-reason" data-testid="referral-alert-reason">
          {reason}
        </p>
      )}
      <p>
        <span className="mono" data-testid="referral-alert-reference">
          {a.referralReference}
        </span>{' '}
        <a className="mono" href={consultationHref(a.consultationId)}>
          {t('alerts.consultation', { id: a.consultationReference })}
        </a>
      </p>
      {a.kind !== 'consent_exception' && !a.suggestion && (
        <p className="muted">{t('referralAlerts.noSuggestion')}</p>
      )}
      {a.suggestion && a.redirectedTo === null && stillOpen && (
        <div className="form-actions">
          <p className="referral-alert-suggestion">
            {t('referralAlerts.suggestion', { name: suggestedName })}
          </p>
          <button
            type="button"
            className="button button-small button-primary"
            aria-disabled={busy || undefined}
            onClick={() => void redirect()}
            data-testid="referral-alert-redirect"
          >
            {busy ? t('referrals.redirecting') : t('referralAlerts.redirect', { name: suggestedName })}
          </button>
        </div>
      )}
      {a.redirectedTo !== null && (
        <p className="alert alert-success" role="status" data-testid="referral-alert-redirected">
          {t('referralAlerts.redirected', { name: a.redirectedTo })}
        </p>
      )}
      {error !== null && (
        <p className="inline-error" role="alert">
          {error instanceof ApiError && error.status === 409
            ? t('referrals.stateMoved')
            : describeError(error, t)}
        </p>
      )}
    </li>
  );
}
