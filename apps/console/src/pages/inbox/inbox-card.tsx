import {
  PARTNER_TRANSITIONS,
  type PartnerAction,
  type PartnerReferral,
  PartnerStatusBody,
  TAXONOMY_KG_2026_1,
} from '@korgon/domain';
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { z } from 'zod';
import { ReferralContentView } from '../../features/referrals/content-view';
import { referralsApi } from '../../features/referrals/referrals-api';
import { useCurrentLocale } from '../../i18n/language';
import { ApiError } from '../../lib/api';
import { describeError } from '../../lib/describe-error';
import { formatDate, formatDateTime } from '../../lib/format';
import { useZodForm } from '../../lib/use-zod-form';
import { inboxActed, isUnacknowledged, reloadInbox } from './inbox-query';

type Step = null | 'rejected' | 'done';

interface ActDraft {
  status: PartnerAction;
  reason: string;
  outcome: string;
}

const EMPTY: ActDraft = { status: 'acknowledged', reason: '', outcome: '' };

/** The partner's step as PartnerStatusBody checks it: a reason only with a rejection, an outcome only when done. */
const ActFields = z
  .custom<ActDraft>()
  .transform(
    (d): z.input<typeof PartnerStatusBody> =>
      d.status === 'rejected'
        ? { status: d.status, reason: d.reason.trim() || undefined }
        : d.status === 'done' && d.outcome.trim()
          ? { status: d.status, outcome: d.outcome.trim() }
          : { status: d.status },
  )
  .pipe(PartnerStatusBody);

/** Partners read the labels of the hotline's current lists (the content holds their ids). */
const TAXONOMY = TAXONOMY_KG_2026_1;

/** One referral in the partner's inbox: what was shared, and the next steps its state allows. */
export function InboxCard({ r }: { r: PartnerReferral }) {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const id = useId();
  const [step, setStep] = useState<Step>(null);
  const form = useZodForm(ActFields, {
    defaultValues: EMPTY,
    // Too short or missing, the reason asked for is the same.
    wording: (issue, t) => (issue.path[0] === 'reason' ? t('inbox.reasonRequired') : undefined),
  });
  const busy: PartnerAction | null = form.pending ? form.getValues('status') : null;
  const error = form.failure;
  const reasonMissing = form.errorOf('reason') !== undefined;
  const next = PARTNER_TRANSITIONS[r.status] ?? [];
  const urgent = r.urgency === 'urgent';

  const send = form.submit(async (body) => {
    try {
      inboxActed(await referralsApi.act(r.id, body));
    } catch (e) {
      // The referral moved on meanwhile (a colleague, or it was withdrawn): show it as it is now.
      if (e instanceof ApiError && (e.status === 409 || e.status === 404)) reloadInbox();
      throw e;
    }
    setStep(null);
    form.reset(EMPTY);
    document.getElementById(`${id}-h`)?.focus();
  });
  const act = (status: PartnerAction) => {
    if (busy) return;
    form.setValue('status', status);
    void send();
  };

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
              onClick={() => act('acknowledged')}
            >
              {busy === 'acknowledged' ? t('inbox.sending') : t('inbox.acknowledge')}
            </button>
          )}
          {next.includes('accepted') && (
            <button
              type="button"
              className={next.includes('acknowledged') ? 'button' : 'button button-primary'}
              aria-disabled={busy !== null || undefined}
              onClick={() => act('accepted')}
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
        <form
          ref={form.ref}
          className="inbox-step"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            act('rejected');
          }}
          data-testid="inbox-reject"
        >
          <div className={reasonMissing ? 'field field-invalid' : 'field'}>
            <label htmlFor={`${id}-reason`}>{t('inbox.rejectReason')}</label>
            <p id={`${id}-reason-hint`} className="field-hint">
              {t('inbox.rejectReasonHint')}
            </p>
            <textarea
              id={`${id}-reason`}
              rows={3}
              maxLength={1000}
              // biome-ignore lint/a11y/noAutofocus: the field the person just asked for
              autoFocus
              aria-invalid={reasonMissing || undefined}
              aria-describedby={`${id}-reason-hint${reasonMissing ? ` ${id}-reason-error` : ''}`}
              {...form.register('reason')}
            />
            {reasonMissing && (
              <p id={`${id}-reason-error`} className="field-error" data-testid="inbox-reason-error">
                {form.errorOf('reason')}
              </p>
            )}
          </div>
          <div className="inbox-actions">
            <button type="submit" className="button button-danger" aria-disabled={busy !== null || undefined}>
              {busy === 'rejected' ? t('inbox.sending') : t('inbox.rejectConfirm')}
            </button>
            <button type="button" className="button" onClick={() => setStep(null)}>
              {t('inbox.cancel')}
            </button>
          </div>
        </form>
      )}

      {step === 'done' && (
        <form
          ref={form.ref}
          className="inbox-step"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            act('done');
          }}
          data-testid="inbox-done"
        >
          <div className="field">
            <label htmlFor={`${id}-outcome`}>{t('inbox.outcome')}</label>
            <p id={`${id}-outcome-hint`} className="field-hint">
              {t('inbox.outcomeHint')}
            </p>
            <textarea
              id={`${id}-outcome`}
              rows={2}
              maxLength={1000}
              // biome-ignore lint/a11y/noAutofocus: the field the person just asked for
              autoFocus
              aria-describedby={`${id}-outcome-hint`}
              {...form.register('outcome')}
            />
          </div>
          <div className="inbox-actions">
            <button
              type="submit"
              className="button button-primary"
              aria-disabled={busy !== null || undefined}
            >
              {busy === 'done' ? t('inbox.sending') : t('inbox.doneConfirm')}
            </button>
            <button type="button" className="button" onClick={() => setStep(null)}>
              {t('inbox.cancel')}
            </button>
          </div>
        </form>
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
