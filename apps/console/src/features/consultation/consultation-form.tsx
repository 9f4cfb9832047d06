import type { Taxonomy } from '@korgon/domain';
import type { KeyboardEvent, ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { type DraftController, useDraft } from '../../draft/draft-controller';
import { type FieldPath, focusField, fromLocalInput, getField, toLocalInput } from '../../draft/fields';
import { useCurrentLocale } from '../../i18n/language';
import { formatDate } from '../../lib/format';
import {
  Checkbox,
  CheckboxGroup,
  type Choice,
  FormSection,
  InputControl,
  RadioGroup,
  SelectControl,
  TextAreaControl,
  TimeControl,
} from './form-controls';
import { errorsByField } from './issues';
import { SafetyPlan } from './safety-plan';
import { choicesOf } from './use-taxonomy';

const YNU = ['yes', 'no', 'unknown'] as const;
const CONSENT = ['yes', 'no', 'not_asked'] as const;
const ORDER_KINDS = ['temporary', 'court', 'other'] as const;
/** A temporary protection order lasts 30 days (Law No. 161 of 2024). */
const TEMPORARY_ORDER_DAYS = 30;

/**
 * The consultation, in the order of a conversation. Keyboard first: native radios (arrows), checkboxes
 * (space), selects; digits choose the contact kind and Enter then finalizes a contact without data.
 * The risk assessment and the actions it calls for are the risk feature's: the page passes them in as `risk` and
 * `assessedActions`, so this feature never reaches into another.
 */
export function ConsultationForm({
  c,
  taxonomy,
  onFinalize,
  risk,
  assessedActions,
}: {
  c: DraftController;
  taxonomy: Taxonomy;
  onFinalize(): void;
  risk: ReactNode;
  assessedActions: ReactNode;
}) {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const draft = useDraft(c, (s) => s.draft);
  const issues = useDraft(c, (s) => s.issues);
  const errors = errorsByField(issues, t);
  const { data, secret } = draft;
  const shreddedAt = useDraft(c, (s) => s.record?.notesShreddedAt ?? null);

  const value = (path: FieldPath) => getField(draft, path);
  const str = (path: FieldPath) => {
    const v = value(path);
    return typeof v === 'string' ? v : undefined;
  };
  const set = (path: FieldPath) => (v: unknown) => c.setValue(path, v);
  const label = (path: FieldPath) => t(`consultation.field.${path}`);
  const err = (path: FieldPath) => errors.get(path);
  const choose = t('consultation.choose');
  const ynu: Choice[] = YNU.map((v) => ({ value: v, label: t(`consultation.ynu.${v}`) }));
  const consent: Choice[] = CONSENT.map((v) => ({ value: v, label: t(`consultation.consentValue.${v}`) }));

  const radio = (path: FieldPath, choices: Choice[], extra: { hint?: string; wide?: boolean } = {}) => (
    <RadioGroup
      path={path}
      legend={label(path)}
      hint={extra.hint}
      wide={extra.wide}
      error={err(path)}
      choices={choices}
      value={str(path)}
      onChange={set(path)}
    />
  );
  const options = (path: FieldPath, list: Parameters<typeof choicesOf>[1]) =>
    choicesOf(taxonomy, list, locale, str(path));

  // Contact kind: digits choose, Enter finalizes a contact without data or moves on to the caller.
  const kinds = taxonomy.contactKinds.filter((k) => !k.retired || k.id === data.contactKind);
  const kindChoices: Choice[] = kinds.map((k, i) => ({
    value: k.id,
    label: k.label[locale],
    ...(i < 9 ? { hotkey: String(i + 1) } : {}),
  }));
  const onKindKey = (e: KeyboardEvent<HTMLFieldSetElement>) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (/^[1-9]$/.test(e.key)) {
      const kind = kinds[Number(e.key) - 1];
      if (!kind) return;
      e.preventDefault();
      c.setValue('contactKind', kind.id);
      document.getElementById(`cf-contactKind--${kind.id}`)?.focus();
    } else if (e.key === 'Enter') {
      e.preventDefault();
      const chosen = kinds.find((k) => k.id === data.contactKind);
      if (chosen && !chosen.data) onFinalize();
      else if (chosen) focusField('callerRole');
    }
  };
  const chosenKind = kinds.find((k) => k.id === data.contactKind);

  const violence = taxonomy.violenceForms.filter((v) => !v.retired || data.violenceForms.includes(v.id));
  const formsOf = (group: 'violence' | 'trafficking') =>
    violence.filter((v) => v.group === group).map((v) => ({ value: v.id, label: v.label[locale] }));

  const issuedOn = data.protectionOrder.issuedOn;
  const expires =
    issuedOn && data.protectionOrder.kind === 'temporary'
      ? new Date(Date.parse(`${issuedOn}T12:00:00`) + TEMPORARY_ORDER_DAYS * 86_400_000).toISOString()
      : null;

  return (
    <>
      {shreddedAt && (
        <p className="alert alert-info" data-testid="retention-removed">
          {t('retention.removedOn', { date: formatDate(shreddedAt, locale) })}
        </p>
      )}
      <FormSection id="contact" title={t('consultation.section.contact')}>
        <RadioGroup
          path="contactKind"
          legend={label('contactKind')}
          hint={t('consultation.kindKeys')}
          error={err('contactKind')}
          choices={kindChoices}
          value={data.contactKind}
          onChange={set('contactKind')}
          onKeyDown={onKindKey}
          wide
        />
        {chosenKind && !chosenKind.data && (
          <p className="alert alert-info" data-testid="non-data-hint">
            {t('consultation.nonDataHint')}
          </p>
        )}
      </FormSection>

      <FormSection id="caller" title={t('consultation.section.caller')}>
        {radio('callerRole', options('callerRole', 'callerRoles'), { wide: true })}
      </FormSection>

      <FormSection
        id="survivor"
        title={t('consultation.section.survivor')}
        intro={t('consultation.survivorIntro')}
      >
        {radio('survivor.gender', options('survivor.gender', 'genders'))}
        {radio('survivor.ageBand', options('survivor.ageBand', 'ageBands'), { wide: true })}
        <SelectControl
          path="survivor.region"
          label={label('survivor.region')}
          error={err('survivor.region')}
          choices={options('survivor.region', 'regions')}
          value={data.survivor.region}
          onChange={set('survivor.region')}
          placeholder={choose}
        />
        {radio('survivor.settlement', options('survivor.settlement', 'settlements'))}
        {radio('survivor.disability', ynu)}
        {data.survivor.disability === 'yes' && (
          <SelectControl
            path="survivor.disabilityType"
            label={label('survivor.disabilityType')}
            error={err('survivor.disabilityType')}
            choices={options('survivor.disabilityType', 'disabilityTypes')}
            value={data.survivor.disabilityType}
            onChange={set('survivor.disabilityType')}
            placeholder={choose}
          />
        )}
        {radio('survivor.language', options('survivor.language', 'languages'), { wide: true })}
      </FormSection>

      <FormSection id="violence" title={t('consultation.section.violence')}>
        <CheckboxGroup
          path="violenceForms"
          legend={label('violenceForms')}
          hint={t('consultation.violenceHint')}
          error={err('violenceForms')}
          groups={[
            { id: 'violence', legend: t('consultation.violenceGroup'), choices: formsOf('violence') },
            {
              id: 'trafficking',
              legend: t('consultation.traffickingGroup'),
              choices: formsOf('trafficking'),
            },
          ]}
          value={data.violenceForms}
          onChange={set('violenceForms')}
        />
      </FormSection>

      <FormSection id="perpetrator" title={t('consultation.section.perpetrator')}>
        <SelectControl
          path="perpetrator.relation"
          label={label('perpetrator.relation')}
          error={err('perpetrator.relation')}
          choices={options('perpetrator.relation', 'perpetratorRelations')}
          value={data.perpetrator.relation}
          onChange={set('perpetrator.relation')}
          placeholder={choose}
        />
        {radio('perpetrator.gender', options('perpetrator.gender', 'genders'))}
        {radio('perpetrator.ageBand', options('perpetrator.ageBand', 'ageBands'), { wide: true })}
      </FormSection>

      <FormSection id="children" title={t('consultation.section.children')}>
        {radio('childrenAffected', ynu, { hint: t('consultation.childrenHint') })}
      </FormSection>

      <FormSection id="services" title={t('consultation.section.services')}>
        <CheckboxGroup
          path="servicesGiven"
          legend={label('servicesGiven')}
          error={err('servicesGiven')}
          groups={[{ id: 'services', choices: options('servicesGiven', 'services') }]}
          value={data.servicesGiven}
          onChange={set('servicesGiven')}
        />
      </FormSection>

      <FormSection
        id="safeContact"
        title={t('consultation.section.safeContact')}
        intro={t('consultation.safeContactIntro')}
      >
        {radio('safeContact.safeToTalk', ynu)}
        <fieldset className="choice-group">
          <legend>{t('consultation.callbackWindow')}</legend>
          <div className="inline-fields">
            <TimeControl
              path="safeContact.callbackFrom"
              label={label('safeContact.callbackFrom')}
              hint={t('consultation.timeHint')}
              invalidText={t('consultation.timeInvalid')}
              error={err('safeContact.callbackFrom')}
              value={data.safeContact.callbackFrom}
              onChange={set('safeContact.callbackFrom')}
            />
            <TimeControl
              path="safeContact.callbackTo"
              label={label('safeContact.callbackTo')}
              hint={t('consultation.timeHint')}
              invalidText={t('consultation.timeInvalid')}
              error={err('safeContact.callbackTo')}
              value={data.safeContact.callbackTo}
              onChange={set('safeContact.callbackTo')}
            />
          </div>
        </fieldset>
        {radio('safeContact.voicemailAllowed', ynu)}
        <InputControl
          path="secret.codeWord"
          label={label('secret.codeWord')}
          hint={t('consultation.codeWordHint')}
          type="text"
          maxLength={200}
          value={secret.codeWord}
          onChange={set('secret.codeWord')}
        />
        <TextAreaControl
          path="secret.ifCallDrops"
          label={label('secret.ifCallDrops')}
          rows={2}
          maxLength={1000}
          value={secret.ifCallDrops}
          onChange={set('secret.ifCallDrops')}
        />
      </FormSection>

      <FormSection id="consent" title={t('consultation.section.consent')}>
        {radio('consent.referral', consent)}
        {radio('consent.statistics', consent, { hint: t('consultation.statisticsHint') })}
      </FormSection>

      <FormSection id="followUp" title={t('consultation.section.followUp')}>
        <Checkbox
          path="followUp.agreed"
          label={label('followUp.agreed')}
          checked={data.followUp.agreed === true}
          onChange={(on) => c.setValue('followUp.agreed', on ? true : undefined)}
        />
        {data.followUp.agreed && (
          <InputControl
            path="followUp.due"
            label={label('followUp.due')}
            error={err('followUp.due')}
            type="datetime-local"
            value={toLocalInput(data.followUp.due)}
            onChange={(v) => c.setValue('followUp.due', fromLocalInput(v))}
          />
        )}
      </FormSection>

      <FormSection
        id="protectionOrder"
        title={t('consultation.section.protectionOrder')}
        intro={t('consultation.orderIntro')}
      >
        {radio('protectionOrder.has', ynu)}
        {data.protectionOrder.has === 'yes' && (
          <>
            <InputControl
              path="protectionOrder.issuedOn"
              label={label('protectionOrder.issuedOn')}
              error={err('protectionOrder.issuedOn')}
              type="date"
              value={data.protectionOrder.issuedOn ?? ''}
              onChange={set('protectionOrder.issuedOn')}
            />
            {radio(
              'protectionOrder.kind',
              ORDER_KINDS.map((v) => ({ value: v, label: t(`consultation.orderKind.${v}`) })),
            )}
            {expires && (
              <p className="alert alert-info" data-testid="order-expiry">
                {t('consultation.orderExpires', { date: formatDate(expires, locale) })}
              </p>
            )}
          </>
        )}
      </FormSection>

      <FormSection id="risk" title={t('consultation.section.risk')}>
        {risk}
      </FormSection>

      <FormSection id="safetyPlan" title={t('consultation.section.safetyPlan')} intro={t('safety.intro')}>
        {assessedActions}
        <SafetyPlan
          taxonomy={taxonomy}
          value={data.safetyPlan}
          onChange={set('safetyPlan')}
          error={err('safetyPlan')}
        />
      </FormSection>

      <FormSection id="notes" title={t('consultation.section.notes')}>
        <TextAreaControl
          path="secret.notes"
          label={label('secret.notes')}
          hint={t('consultation.notesHint')}
          rows={8}
          maxLength={20_000}
          value={secret.notes}
          onChange={set('secret.notes')}
        />
      </FormSection>
    </>
  );
}
