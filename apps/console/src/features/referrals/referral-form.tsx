import {
  type ConsultationData,
  CreateReferralBody,
  PARTNER_TYPES,
  type Partner,
  REFERRAL_FIELDS,
  REFERRAL_URGENCIES,
  type ReferralField,
  type ReferralUrgency,
  referralContent,
  Settlement,
  type Taxonomy,
} from '@korgon/domain';
import { type KeyboardEvent, useEffect, useId, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { z } from 'zod';
import { useCurrentLocale } from '../../i18n/language';
import { ApiError } from '../../lib/api';
import { describeError } from '../../lib/describe-error';
import { levelName } from '../../lib/risk-levels';
import { useZodForm } from '../../lib/use-zod-form';
import { contentRows } from './content';
import { ReferralContentView } from './content-view';
import { partnerName, partnerTypeName } from './referral-bits';
import { referralsApi, type Suggestion, sendReferral } from './referrals-api';
import { useReferralsStore } from './referrals-store';

const DEFAULT_FIELDS: readonly ReferralField[] = ['region', 'riskLevel'];
const MIN_REASON = 10;
const SUGGESTIONS_SHOWN = 6;

type ConsentMode = 'caller' | 'exception';
type ExceptionKind = 'child_at_risk' | 'imminent_danger';

/** The form's choices; null where the default follows the record (the consent held, the risk level). */
interface ReferralDraft {
  partnerId: string;
  urgency: ReferralUrgency | null;
  consent: { mode: ConsentMode | null; exception: ExceptionKind; reason: string };
  fields: ReferralField[];
  message: string;
}

const EMPTY: ReferralDraft = {
  partnerId: '',
  urgency: null,
  consent: { mode: null, exception: 'child_at_risk', reason: '' },
  fields: [...DEFAULT_FIELDS],
  message: '',
};

/** What the record decides for the form: the defaults shown, and what may be sent at all. */
interface ReferralContext {
  consultationId: string;
  consentYes: boolean;
  urgentByRisk: boolean;
  sendable(f: ReferralField): boolean;
}

// The caller's consent is the default basis when the record holds it; without it, the choice is not offered.
const consentOf = (mode: ConsentMode | null, consentYes: boolean): ConsentMode | null =>
  mode === 'caller' && !consentYes ? null : (mode ?? (consentYes ? 'caller' : null));
const urgencyOf = (urgency: ReferralUrgency | null, urgentByRisk: boolean): ReferralUrgency =>
  urgency ?? (urgentByRisk ? 'urgent' : 'standard');

const sendableWith = (badSettlement: boolean) => (f: ReferralField) => !(f === 'settlement' && badSettlement);

/** The draft as the body CreateReferralBody checks (no basis chosen: no consent, which it refuses). */
function referralFields(ctx: ReferralContext, referralId: () => string) {
  return z
    .custom<ReferralDraft>()
    .transform((d) => {
      const consent = consentOf(d.consent.mode, ctx.consentYes);
      return {
        id: referralId(),
        consultationId: ctx.consultationId,
        partnerId: d.partnerId,
        urgency: urgencyOf(d.urgency, ctx.urgentByRisk),
        consent:
          consent === 'exception'
            ? { exception: d.consent.exception, reason: d.consent.reason.trim() }
            : consent === 'caller'
              ? { basis: 'caller_consent' as const }
              : undefined,
        fields: d.fields.filter(ctx.sendable),
        ...(d.fields.includes('message') && d.message.trim() ? { message: d.message.trim() } : {}),
      };
    })
    .pipe(CreateReferralBody);
}

export interface ReferralFormProps {
  consultationId: string;
  data: ConsultationData;
  riskLevel: string | null;
  taxonomy: Taxonomy;
  partners: Partner[] | null;
  /**
   * The server's copy of the record's region and risk: the suggestions are asked again when it changes; null
   * while no region is saved (suggestions rank by region).
   */
  suggestionKey: string | null;
  /** Saves what is still unsaved in the consultation, so the server checks the consent the operator sees. */
  flush(): Promise<boolean>;
  onSent(name: string): void;
}

/**
 * A new referral: the partner (suggested ones, with why, or any active one), urgency, the basis (the
 * caller's consent, or an exception with its reason), the fields to send one by one with a preview of exactly
 * what the partner receives, and an optional message. Sent with an id made here, so a retry never doubles it.
 */
export function ReferralForm(props: ReferralFormProps) {
  const { consultationId, data, riskLevel, taxonomy, partners, suggestionKey, flush, onSent } = props;
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const id = useId();
  const consentYes = data.consent.referral === 'yes';
  const urgentByRisk = riskLevel === 'high' || riskLevel === 'critical';

  const referralId = useRef<string>(crypto.randomUUID());
  const [alreadySent, setAlreadySent] = useState(false);

  const [suggestions, setSuggestions] = useState<Suggestion[] | null>(null);
  const [suggestionsError, setSuggestionsError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    setSuggestionsError(null);
    if (suggestionKey === null) {
      setSuggestions(null);
      return;
    }
    referralsApi.suggestions(consultationId).then(
      (s) => {
        if (live) setSuggestions(s);
      },
      (e: unknown) => {
        if (live) setSuggestionsError(e);
      },
    );
    return () => {
      live = false;
    };
  }, [consultationId, suggestionKey]);

  // Partners in the caller's region first (of the types the risk assessment calls for, as the server ranks
  // them); only when none serves the region, those the assessment calls for anywhere.
  const suggested = useMemo(() => {
    const all = suggestions ?? [];
    const local = all.filter((s) => s.servesRegion);
    return (local.length ? local : all.filter((s) => s.calledFor)).slice(0, SUGGESTIONS_SHOWN);
  }, [suggestions]);
  const byType = useMemo(() => {
    const groups = new Map<string, Partner[]>();
    for (const type of PARTNER_TYPES) {
      const list = (partners ?? []).filter((p) => p.type === type && p.active);
      if (list.length) groups.set(type, list);
    }
    return groups;
  }, [partners]);
  // Beside each box, what it would send (the record's own labels), so the choice is made knowing it.
  const values = new Map(
    contentRows(
      referralContent(REFERRAL_FIELDS, data, riskLevel, ''),
      { t, locale, taxonomy },
      REFERRAL_FIELDS,
    ).map((r) => [r.field, r.lines.join('; ')]),
  );

  // A settlement that is not one of the taxonomy's choices (typed through the API into a draft) cannot be
  // sent: the server refuses it. It is offered only once chosen again in the consultation.
  const badSettlement =
    data.survivor.settlement !== undefined && !Settlement.safeParse(data.survivor.settlement).success;
  const sendable = sendableWith(badSettlement);

  const schema = useMemo(
    () =>
      referralFields(
        { consultationId, consentYes, urgentByRisk, sendable: sendableWith(badSettlement) },
        () => referralId.current,
      ),
    [consultationId, consentYes, urgentByRisk, badSettlement],
  );
  const form = useZodForm(schema, {
    defaultValues: EMPTY,
    wording: (issue, t) => {
      const [first, second] = issue.path;
      if (first === 'partnerId') return t('referrals.form.partnerRequired');
      if (first === 'consent' && second === 'reason')
        return t('referrals.form.reasonShort', { min: MIN_REASON });
      if (first === 'consent') return t('referrals.form.consentRequired');
      return undefined;
    },
  });
  const { failure } = form;
  const sending = form.pending;
  const partnerId = form.watch('partnerId');
  const fields = form.watch('fields');
  const message = form.watch('message');
  const draftConsent = form.watch('consent');
  const consent = consentOf(draftConsent.mode, consentYes);
  const shownUrgency = urgencyOf(form.watch('urgency'), urgentByRisk);
  const chosen =
    partners?.find((p) => p.id === partnerId) ?? suggested.find((s) => s.partnerId === partnerId) ?? null;
  const preview = referralContent(fields, data, riskLevel, message);

  const toggleField = (f: ReferralField, on: boolean) =>
    form.setValue(
      'fields',
      on ? REFERRAL_FIELDS.filter((x) => x === f || fields.includes(x)) : fields.filter((x) => x !== f),
    );

  const onSubmit = form.submit(
    async (body) => {
      try {
        // The server checks consent against its copy of the record: what is typed here goes first.
        await flush();
        const referral = await sendReferral(body);
        useReferralsStore.getState().upsert(referral);
        referralId.current = crypto.randomUUID();
        form.reset(EMPTY);
        onSent(partnerName(referral.partner.name, locale));
      } catch (error) {
        if (!(error instanceof ApiError && error.status === 409)) throw error;
        // An earlier attempt with this id did land, for another choice of partner: it is in the list.
        referralId.current = crypto.randomUUID();
        useReferralsStore.getState().reconnected();
        setAlreadySent(true);
      }
    },
    {
      fieldsOf: (error): Record<string, string> => {
        if (!(error instanceof ApiError && error.status === 400)) return {};
        const paths = (error.body.issues ?? []).map((i) => i.path);
        if (paths.includes('body.consent')) return { consent: t('referrals.form.noConsentOnServer') };
        if (paths.includes('body.partnerId')) return { partnerId: t('referrals.form.partnerInactive') };
        return {};
      },
    },
  );

  // Ctrl+Enter finalizes the consultation from anywhere else on the page; here it sends nothing by accident.
  const onKeyDown = (e: KeyboardEvent<HTMLFormElement>) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) e.stopPropagation();
  };

  const reasonError = form.errorOf('consent.reason');
  const err = {
    partner: form.errorOf('partnerId'),
    consent: reasonError ? undefined : form.errorOf('consent'),
    reason: reasonError,
  };
  // A failure said beside its field is not said again below.
  const problem = form.invalid || alreadySent;
  const described = (...ids: (string | false | undefined)[]) => ids.filter(Boolean).join(' ') || undefined;

  return (
    <form
      ref={form.ref}
      className="referral-form"
      noValidate
      onSubmit={(e) => {
        setAlreadySent(false);
        void onSubmit(e);
      }}
      onKeyDown={onKeyDown}
      aria-labelledby={`${id}-h`}
      data-testid="referral-form"
    >
      <h3 id={`${id}-h`}>{t('referrals.form.title')}</h3>
      {problem && (
        <div className="alert alert-error" role="alert" data-testid="referral-form-problem">
          <p>{alreadySent ? t('referrals.form.alreadySent') : t('referrals.form.fix')}</p>
        </div>
      )}

      {/* Partner */}
      <fieldset
        className={`choice-group choice-group-wide${err.partner ? ' field-invalid' : ''}`}
        aria-describedby={described(err.partner && `${id}-partner-error`)}
        data-testid="referral-partner"
      >
        <legend>{t('referrals.form.partner')}</legend>
        {suggestionsError !== null && (
          <p className="field-hint">
            {t('referrals.form.suggestionsFailed')} {describeError(suggestionsError, t)}
          </p>
        )}
        {suggestionKey === null && (
          <p className="field-hint" data-testid="referral-suggestions-need-region">
            {t('referrals.form.suggestNeedsRegion')}
          </p>
        )}
        {suggestions && suggested.length === 0 && (
          <p className="field-hint">{t('referrals.form.noSuggestions')}</p>
        )}
        {suggested.length > 0 && (
          <fieldset className="choice-subgroup" data-testid="referral-suggestions">
            <legend>{t('referrals.form.suggested')}</legend>
            <div className="suggestions">
              {suggested.map((s) => (
                <label key={s.partnerId} className="choice suggestion" data-partner-id={s.partnerId}>
                  <input
                    type="radio"
                    name={`${id}-partner`}
                    value={s.partnerId}
                    checked={partnerId === s.partnerId}
                    aria-invalid={err.partner ? true : undefined}
                    onChange={() => form.setValue('partnerId', s.partnerId)}
                  />
                  <span className="suggestion-text">
                    <span className="suggestion-name">{partnerName(s.name, locale)}</span>
                    <span className="suggestion-why">
                      {partnerTypeName(s.type, locale)}
                      {s.calledFor && <span className="why">{t('referrals.why.calledFor')}</span>}
                      {s.servesRegion && <span className="why">{t('referrals.why.servesRegion')}</span>}
                      <span className={s.openNow ? 'why why-open' : 'why why-closed'}>
                        {s.openNow ? t('referrals.why.openNow') : t('referrals.why.closedNow')}
                      </span>
                    </span>
                  </span>
                </label>
              ))}
            </div>
          </fieldset>
        )}
        <div className="field">
          <label htmlFor={`${id}-all`}>{t('referrals.form.allPartners')}</label>
          <select
            id={`${id}-all`}
            value={partnerId}
            aria-invalid={err.partner ? true : undefined}
            aria-describedby={described(err.partner && `${id}-partner-error`)}
            onChange={(e) => form.setValue('partnerId', e.target.value)}
            data-testid="referral-partner-select"
          >
            <option value="">{t('consultation.choose')}</option>
            {[...byType.entries()].map(([type, list]) => (
              <optgroup key={type} label={partnerTypeName(type as Partner['type'], locale)}>
                {list.map((p) => (
                  <option key={p.id} value={p.id}>
                    {partnerName(p.name, locale)}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
        </div>
        {err.partner && (
          <p id={`${id}-partner-error`} className="field-error">
            {err.partner}
          </p>
        )}
        {chosen && (
          <p className="field-hint" data-testid="referral-chosen">
            {t('referrals.form.chosen', { name: partnerName(chosen.name, locale) })}
          </p>
        )}
      </fieldset>

      {/* Urgency */}
      <fieldset className="choice-group" data-testid="referral-urgency">
        <legend>{t('referrals.form.urgency')}</legend>
        {urgentByRisk && riskLevel && (
          <p className="field-hint">
            {t('referrals.form.urgentByRisk', { level: levelName(riskLevel, locale, t) })}
          </p>
        )}
        <div className="choices">
          {REFERRAL_URGENCIES.map((u) => (
            <label key={u} className="choice">
              <input
                type="radio"
                name={`${id}-urgency`}
                value={u}
                checked={shownUrgency === u}
                onChange={() => form.setValue('urgency', u)}
              />
              <span>{t(`referrals.urgency.${u}`)}</span>
            </label>
          ))}
        </div>
      </fieldset>

      {/* Consent */}
      <fieldset
        className={`choice-group choice-group-wide${err.consent ? ' field-invalid' : ''}`}
        aria-describedby={described(`${id}-consent-hint`, err.consent && `${id}-consent-error`)}
        data-testid="referral-consent"
      >
        <legend>{t('referrals.form.basis')}</legend>
        <p id={`${id}-consent-hint`} className="field-hint" data-testid="referral-consent-hint">
          {consentYes
            ? t('referrals.form.consentRecorded')
            : t('referrals.form.consentMissing', {
                value: data.consent.referral
                  ? t(`consultation.consentValue.${data.consent.referral}`)
                  : t('referrals.form.consentNotRecorded'),
              })}
        </p>
        <div className="choices">
          <label className={`choice${consentYes ? '' : ' choice-disabled'}`}>
            <input
              type="radio"
              name={`${id}-consent`}
              value="caller"
              disabled={!consentYes}
              checked={consent === 'caller'}
              aria-invalid={err.consent ? true : undefined}
              onChange={() => form.setValue('consent.mode', 'caller')}
            />
            <span>{t('referrals.form.callerConsented')}</span>
          </label>
          <label className="choice">
            <input
              type="radio"
              name={`${id}-consent`}
              value="exception"
              checked={consent === 'exception'}
              aria-invalid={err.consent && !consentYes ? true : undefined}
              onChange={() => form.setValue('consent.mode', 'exception')}
            />
            <span>{t('referrals.form.exception')}</span>
          </label>
        </div>
        {err.consent && (
          <p id={`${id}-consent-error`} className="field-error">
            {err.consent}
          </p>
        )}
      </fieldset>
      {consent === 'exception' && (
        <div className="referral-exception" data-testid="referral-exception">
          <p className="alert alert-warning" id={`${id}-exception-warning`}>
            {t('referrals.form.exceptionWarning')}
          </p>
          <fieldset className="choice-group">
            <legend>{t('referrals.form.exceptionKind')}</legend>
            <div className="choices">
              {(['child_at_risk', 'imminent_danger'] as const).map((k) => (
                <label key={k} className="choice">
                  <input
                    type="radio"
                    name={`${id}-exception`}
                    value={k}
                    checked={draftConsent.exception === k}
                    onChange={() => form.setValue('consent.exception', k)}
                  />
                  <span>{t(`referrals.exception.${k}`)}</span>
                </label>
              ))}
            </div>
          </fieldset>
          <div className={err.reason ? 'field field-invalid' : 'field'}>
            <label htmlFor={`${id}-reason`}>{t('referrals.form.reason')}</label>
            <p id={`${id}-reason-hint`} className="field-hint">
              {t('referrals.form.reasonHint', { min: MIN_REASON })}
            </p>
            <textarea
              id={`${id}-reason`}
              rows={2}
              maxLength={1000}
              aria-invalid={err.reason ? true : undefined}
              aria-describedby={described(
                `${id}-reason-hint`,
                `${id}-exception-warning`,
                err.reason && `${id}-reason-error`,
              )}
              {...form.register('consent.reason')}
            />
            {err.reason && (
              <p id={`${id}-reason-error`} className="field-error">
                {err.reason}
              </p>
            )}
          </div>
        </div>
      )}

      {/* Fields */}
      <fieldset
        className="choice-group choice-group-wide"
        aria-describedby={`${id}-fields-hint`}
        data-testid="referral-fields"
      >
        <legend>{t('referrals.form.fields')}</legend>
        <p id={`${id}-fields-hint`} className="field-hint">
          {t('referrals.form.fieldsHint')}
        </p>
        <div className="choices">
          {REFERRAL_FIELDS.map((f) => (
            <label key={f} className="choice">
              <input
                type="checkbox"
                value={f}
                checked={fields.includes(f) && sendable(f)}
                disabled={!sendable(f)}
                onChange={(e) => toggleField(f, e.target.checked)}
                data-field={f}
              />
              <span>
                {t(`referrals.field.${f}`)}
                {f !== 'message' && (
                  <span className="field-value">
                    {' · '}
                    {sendable(f)
                      ? values.get(f) || t('referrals.form.nothingRecorded')
                      : t('referrals.form.settlementNotAChoice')}
                  </span>
                )}
              </span>
            </label>
          ))}
        </div>
      </fieldset>
      {fields.includes('message') && (
        <div className="field">
          <label htmlFor={`${id}-message`}>{t('referrals.form.message')}</label>
          <p id={`${id}-message-hint`} className="field-hint">
            {t('referrals.form.messageHint')}
          </p>
          <textarea
            id={`${id}-message`}
            rows={3}
            maxLength={2000}
            aria-describedby={`${id}-message-hint`}
            {...form.register('message')}
          />
        </div>
      )}

      <section className="referral-preview" aria-labelledby={`${id}-preview-h`}>
        <h4 id={`${id}-preview-h`}>{t('referrals.form.preview')}</h4>
        <ReferralContentView
          content={preview}
          taxonomy={taxonomy}
          chosen={fields}
          testId="referral-preview"
        />
        <p className="field-hint">{t('referrals.form.neverSent')}</p>
      </section>

      <div className="form-actions">
        <button
          type="submit"
          className="button button-primary"
          aria-disabled={sending || undefined}
          data-testid="referral-send"
        >
          {sending ? t('referrals.form.sending') : t('referrals.form.send')}
        </button>
      </div>
      {failure !== null && !form.invalid && (
        <p className="alert alert-error" role="alert" data-testid="referral-send-failed">
          {t('referrals.form.failed')} {describeError(failure, t)}
        </p>
      )}
    </form>
  );
}
