import {
  PARTNER_TRANSITIONS,
  type PartnerAction,
  type PartnerReferral,
  TAXONOMY_KG_2026_1,
} from '@korgon/domain';
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useCurrentLocale } from '../../i18n/language';
import { ApiError } from '../../lib/api';
import { describeError } from '../../lib/describe-error';
import { formatDate, formatDateTime } from '../../lib/format';
import { ReferralContentView } from '../referrals/content-view';
import { referralsApi } from '../referrals/referrals-api';
import { isUnacknowledged, useInboxStore } from './inbox-store';

type Step = null | 'rejected' | 'done';
const MIN_REASON = 3;

/** Partners read the labels of the hotline's current lists (the content holds their ids). */
const TAXONOMY = TAXONOMY_KG_2026_1;

/** One referral in the partner's inbox: what was shared, and the next steps its state allows. */
export function InboxCard({ r }: { r: PartnerReferral }) {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const id = useId();
  const [step, setStep] = useState<Step>(null);
  const [reason, setReason] = useState('');
  const [outcome, setOutcome] = useState('');
  const [reasonMissing, setReasonMissing] = useState(false);
  const [busy, setBusy] = useState<PartnerAction | null>(null);
  const [error, setError] = useState<unknown>(null);
  const next = PARTNER_TRANSITIONS[r.status] ?? [];
  const urgent = r.urgency === 'urgent';

  async function act(status: PartnerAction) {
    if (busy) return;
    if (status === 'rejected' && reason.trim().length < MIN_REASON) {
      setReasonMissing(true);
      document.getElementById(`${id}-reason`)?.focus();
      return;
    }
    setBusy(status);
    setError(null);
    try {
      const body =
        status === 'rejected'
          ? { status, reason: reason.trim() }
          : status === 'done' && outcome.trim()
            ? { status, outcome: outcome.trim() }
            : { status };
      useInboxStore.getState().acted(await referralsApi.act(r.id, body));
      setStep(null);
      setReason('');
      setReasonMissing(false);
      document.getElementById(`${id}-h`)?.focus();
    } catch (e) {
      setError(e);
      // The referral moved on meanwhile (a colleague, or it was withdrawn): show it as it is now.
      if (e instanceof ApiError && (e.status === 409 || e.status === 404))
        void useInboxStore.getState().load();
    } finally {
      setBusy(null);
    }
  }

  return (
    <li
      className={`inbox-card${urgent ? ' inbox-urgent' : ''}${isUnacknowledged(r) ? ' inbox-new' : ''}`}
      data-testid="inbox-referral"
      data-referral-id={r.id}
      data-status={r.status}
      data-urgency={r.urgency}
      aria-labelledby={`${id}-h`}
    >
      <div className="inbox-head">
        <h3 id={`${id}-h`} tabIndex={-1}>
          {urgent && (
            <span className="urgency-badge" data-testid="urgent-badge">
              {t('referrals.urgency.urgent')}
            </span>
          )}{' '}
          {t('inbox.referralOf', { time: formatDateTime(r.createdAt, locale) })}{' '}
          <span className="mono" data-testid="inbox-reference">
            {r.reference}
          </span>
        </h3>
        <span
          className={`referral-status status-${r.status}`}
          data-testid="inbox-status"
          data-status={r.status}
        >
          {t(`inbox.status.${r.status}`)}
        </span>
      </div>
      {r.contentRemovedAt ? (
        <p className="alert alert-info" data-testid="inbox-content-removed">
          {t('retention.removedOn', { date: formatDate(r.contentRemovedAt, locale) })}
        </p>
      ) : (
        <ReferralContentView content={r.content} taxonomy={TAXONOMY} testId="inbox-content" />
      )}
      {r.rejectionReason && (
        <p className="alert alert-warning" data-testid="inbox-rejection">
          {t('inbox.rejectedBecause', { reason: r.rejectionReason })}
        </p>
      )}
      {r.outcome && (
        <p className="alert alert-success" data-testid="inbox-outcome">
          {t('inbox.outcomeShown', { outcome: r.outcome })}
        </p>
      )}

      {next.length > 0 && step === null && (
        <div className="inbox-actions">
          {next.includes('acknowledged') && (
            <button
              type="button"
              className="button button-primary"
              aria-disabled={busy !== null || undefined}
              onClick={() => void act('acknowledged')}
            >
              {busy === 'acknowledged' ? t('inbox.sending') : t('inbox.acknowledge')}
            </button>
          )}
          {next.includes('accepted') && (
            <button
              type="button"
              className={next.includes('acknowledged') ? 'button' : 'button button-primary'}
              aria-disabled={busy !== null || undefined}
              onClick={() => void act('accepted')}
            >
              {busy === 'accepted' ? t('inbox.sending') : t('inbox.accept')}
            </button>
          )}
          {next.includes('rejected') && (
            <button type="button" className="button button-danger" onClick={() => setStep('rejected')}>
              {t('inbox.reject')}
            </button>
          )}
          {next.includes('done') && (
            <button type="button" className="button button-primary" onClick={() => setStep('done')}>
              {t('inbox.markDone')}
            </button>
          )}
        </div>
      )}

      {step === 'rejected' && (
        <div className="inbox-step" data-testid="inbox-reject">
          <div className={reasonMissing ? 'field field-invalid' : 'field'}>
            <label htmlFor={`${id}-reason`}>{t('inbox.rejectReason')}</label>
            <p id={`${id}-reason-hint`} className="field-hint">
              {t('inbox.rejectReasonHint')}
            </p>
            <textarea
              id={`${id}-reason`}
              rows={3}
              maxLength={1000}
              value={reason}
              // biome-ignore lint/a11y/noAutofocus: the field the person just asked for
              autoFocus
              aria-invalid={reasonMissing || undefined}
              aria-describedby={`${id}-reason-hint${reasonMissing ? ` ${id}-reason-error` : ''}`}
              onChange={(e) => {
                setReason(e.target.value);
                if (e.target.value.trim().length >= MIN_REASON) setReasonMissing(false);
              }}
            />
            {reasonMissing && (
              <p id={`${id}-reason-error`} className="field-error" data-testid="inbox-reason-error">
                {t('inbox.reasonRequired')}
              </p>
            )}
          </div>
          <div className="inbox-actions">
            <button
              type="button"
              className="button button-danger"
              aria-disabled={busy !== null || undefined}
              onClick={() => void act('rejected')}
            >
              {busy === 'rejected' ? t('inbox.sending') : t('inbox.rejectConfirm')}
            </button>
            <button type="button" className="button" onClick={() => setStep(null)}>
              {t('inbox.cancel')}
            </button>
          </div>
        </div>
      )}

      {step === 'done' && (
        <div className="inbox-step" data-testid="inbox-done">
          <div className="field">
            <label htmlFor={`${id}-outcome`}>{t('inbox.outcome')}</label>
            <p id={`${id}-outcome-hint`} className="field-hint">
              {t('inbox.outcomeHint')}
            </p>
            <textarea
              id={`${id}-outcome`}
              rows={2}
              maxLength={1000}
              value={outcome}
              // biome-ignore lint/a11y/noAutofocus: the field the person just asked for
              autoFocus
              aria-describedby={`${id}-outcome-hint`}
              onChange={(e) => setOutcome(e.target.value)}
            />
          </div>
          <div className="inbox-actions">
            <button
              type="button"
              className="button button-primary"
              aria-disabled={busy !== null || undefined}
              onClick={() => void act('done')}
            >
              {busy === 'done' ? t('inbox.sending') : t('inbox.doneConfirm')}
            </button>
            <button type="button" className="button" onClick={() => setStep(null)}>
              {t('inbox.cancel')}
            </button>
          </div>
        </div>
      )}

      {error !== null && (
        <p className="inline-error" role="alert" data-testid="inbox-error">
          {error instanceof ApiError && error.status === 409
            ? t('inbox.notPossible')
            : error instanceof ApiError && error.status === 404
              ? t('inbox.gone')
              : describeError(error, t)}
        </p>
      )}
    </li>
  );
}
