import {
  DELIVERY_CHANNELS,
  type DeliveryChannel,
  type Partner,
  REFERRAL_FIELDS,
  type Referral,
  type ReferralField,
} from '@korgon/domain';
import type { TFunction } from 'i18next';
import { useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useCurrentLocale } from '../../i18n/language';
import { ApiError } from '../../lib/api';
import { describeError } from '../../lib/describe-error';
import { formatDate, formatDateTime } from '../../lib/format';
import {
  consentText,
  partnerName,
  partnerTypeName,
  StatusBadge,
  Timeline,
  UrgencyBadge,
} from './referral-bits';
import { isRetryable, referralsApi } from './referrals-api';
import { REDIRECTABLE, REVOCABLE, useReferralsStore } from './referrals-store';

type Busy = null | 'retry' | 'redirect' | 'revoke';

/** A staff action; a refused one (409: the state moved on meanwhile) has the views read the referrals again. */
async function act(run: () => Promise<Referral>): Promise<void> {
  try {
    useReferralsStore.getState().upsert(await run());
  } catch (error) {
    if (error instanceof ApiError && error.status === 409) useReferralsStore.getState().reconnected();
    throw error;
  }
}

/**
 * One referral as hotline staff follow it: partner, urgency, live status, what was sent, the timeline, and
 * what can be done from its state (retry or redirect a failed one, redirect an escalated one, revoke).
 */
export function ReferralCard({ r, partners }: { r: Referral; partners: Partner[] | null }) {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const id = useId();
  const [busy, setBusy] = useState<Busy>(null);
  const [error, setError] = useState<unknown>(null);
  const [confirmRevoke, setConfirmRevoke] = useState(false);
  const [target, setTarget] = useState('');
  const [targetMissing, setTargetMissing] = useState(false);
  const newId = useRef(crypto.randomUUID());
  const failed = r.status === 'failed';
  const canRedirect = REDIRECTABLE.includes(r.status) && (failed || r.status === 'escalated');
  const canRevoke = REVOCABLE.includes(r.status);
  const others = (partners ?? []).filter((p) => p.active && p.id !== r.partner.id);

  async function run(kind: Exclude<Busy, null>, call: () => Promise<Referral>) {
    if (busy) return;
    setBusy(kind);
    setError(null);
    try {
      await act(call);
      if (kind === 'redirect') newId.current = crypto.randomUUID();
      setConfirmRevoke(false);
    } catch (e) {
      // A redirect whose answer was lost keeps its new id, so trying again cannot send it twice.
      if (kind === 'redirect' && !isRetryable(e)) newId.current = crypto.randomUUID();
      setError(e);
    } finally {
      setBusy(null);
    }
  }

  function redirect() {
    if (!target) {
      setTargetMissing(true);
      document.getElementById(`${id}-target`)?.focus();
      return;
    }
    setTargetMissing(false);
    void run('redirect', () => referralsApi.redirect(r.id, target, newId.current));
  }

  return (
    <li
      className={`referral-card referral-${r.status}`}
      data-testid="referral"
      data-referral-id={r.id}
      data-status={r.status}
      aria-labelledby={`${id}-h`}
    >
      <div className="referral-head">
        <h4 id={`${id}-h`} className="referral-partner">
          {partnerName(r.partner.name, locale)}
        </h4>
        <StatusBadge status={r.status} testId="referral-status" />
        <UrgencyBadge urgency={r.urgency} />
      </div>
      <p className="referral-meta muted">
        <span className="mono" data-testid="referral-reference">
          {r.reference}
        </span>{' '}
        · {partnerTypeName(r.partner.type, locale)} · {channelText(r.partner.channel, t)} ·{' '}
        {t('referrals.sentBy', {
          name: r.createdBy.displayName,
          date: formatDateTime(r.createdAt, locale),
        })}
      </p>
      <p className="referral-consent" data-testid="referral-consent-shown">
        {consentText(r, t)}
      </p>
      <p className="referral-fields">
        {t('referrals.fieldsSent', {
          fields: r.fields.length ? r.fields.map((f) => fieldText(f, t)).join(', ') : t('referrals.noFields'),
        })}
      </p>
      {failed && (
        <div className="alert alert-error" data-testid="referral-failed">
          <p>
            {t('referrals.failedAfter', { attempts: r.attempts })}{' '}
            {r.lastError && (
              <span data-testid="referral-last-error">
                {t('referrals.reasonGiven', { reason: r.lastError })}
              </span>
            )}
          </p>
        </div>
      )}
      {r.status === 'escalated' && (
        <p className="alert alert-warning" data-testid="referral-escalated">
          {t('referrals.escalatedText')}
        </p>
      )}
      {r.contentRemovedAt && (
        <p className="alert alert-info" data-testid="referral-content-removed">
          {t('retention.removedOn', { date: formatDate(r.contentRemovedAt, locale) })}
        </p>
      )}
      {r.rejectionReason && (
        <p className="alert alert-warning" data-testid="referral-rejection">
          {t('referrals.rejectedBecause', { reason: r.rejectionReason })}
        </p>
      )}
      {r.outcome && (
        <p className="alert alert-success" data-testid="referral-outcome">
          {t('referrals.outcome', { outcome: r.outcome })}
        </p>
      )}
      <details className="referral-history" open>
        <summary>{t('referrals.timeline', { n: r.events.length })}</summary>
        <Timeline events={r.events} />
      </details>

      {(failed || canRedirect || canRevoke) && (
        <div className="referral-actions">
          {failed && (
            <button
              type="button"
              className="button button-small button-primary"
              aria-disabled={busy !== null || undefined}
              onClick={() => void run('retry', () => referralsApi.retry(r.id))}
            >
              {busy === 'retry' ? t('referrals.retrying') : t('referrals.retry')}
            </button>
          )}
          {canRedirect && (
            <div className="redirect-row">
              <div className={targetMissing ? 'field field-invalid' : 'field'}>
                <label htmlFor={`${id}-target`}>{t('referrals.redirectTo')}</label>
                <select
                  id={`${id}-target`}
                  value={target}
                  aria-invalid={targetMissing || undefined}
                  aria-describedby={targetMissing ? `${id}-target-error` : undefined}
                  onChange={(e) => setTarget(e.target.value)}
                >
                  <option value="">{t('consultation.choose')}</option>
                  {others.map((p) => (
                    <option key={p.id} value={p.id}>
                      {partnerName(p.name, locale)} ({partnerTypeName(p.type, locale)})
                    </option>
                  ))}
                </select>
                {targetMissing && (
                  <p id={`${id}-target-error`} className="field-error">
                    {t('referrals.form.partnerRequired')}
                  </p>
                )}
              </div>
              <button
                type="button"
                className="button button-small"
                aria-disabled={busy !== null || undefined}
                onClick={redirect}
              >
                {busy === 'redirect' ? t('referrals.redirecting') : t('referrals.redirect')}
              </button>
            </div>
          )}
          {canRevoke &&
            (confirmRevoke ? (
              <div className="confirm-row">
                <p className="confirm-text" id={`${id}-confirm`}>
                  {t('referrals.revokeConfirm')}
                </p>
                <button
                  type="button"
                  className="button button-small button-danger"
                  aria-describedby={`${id}-confirm`}
                  aria-disabled={busy !== null || undefined}
                  // biome-ignore lint/a11y/noAutofocus: the question just asked replaces the button that asked it
                  autoFocus
                  onClick={() => void run('revoke', () => referralsApi.revoke(r.id))}
                >
                  {busy === 'revoke' ? t('referrals.revoking') : t('referrals.revokeYes')}
                </button>
                <button type="button" className="button button-small" onClick={() => setConfirmRevoke(false)}>
                  {t('referrals.revokeNo')}
                </button>
              </div>
            ) : (
              <button
                type="button"
                className="button button-small button-danger"
                onClick={() => setConfirmRevoke(true)}
              >
                {t('referrals.revoke')}
              </button>
            ))}
        </div>
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

const CHANNELS: readonly string[] = DELIVERY_CHANNELS;
const FIELDS: readonly string[] = REFERRAL_FIELDS;

export function channelText(channel: string, t: TFunction): string {
  return CHANNELS.includes(channel) ? t(`referrals.channel.${channel as DeliveryChannel}`) : channel;
}

export function fieldText(field: string, t: TFunction): string {
  return FIELDS.includes(field) ? t(`referrals.field.${field as ReferralField}`) : field;
}
