import { PARTNER_LANGUAGES, PARTNER_TYPES, type Partner, REGIONS } from '@korgon/domain';
import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { SelectField, TextField } from '../../components/field';
import { partnerTypeName } from '../../features/referrals/referral-bits';
import { useCurrentLocale } from '../../i18n/language';
import { ApiError } from '../../lib/api';
import { describeError } from '../../lib/describe-error';
import { useZodForm } from '../../lib/use-zod-form';
import { PartnerChannelFields } from './partner-channel';
import { PartnerContacts } from './partner-contacts';
import { draftOf, PartnerFields, partnerIssue, partnerServerIssues } from './partner-draft';
import { PartnerHoursEditor } from './partner-hours';
import { useCreatePartner, useUpdatePartner } from './partners-query';

/**
 * Adds a partner organisation, or changes one: names in three languages, type, regions served, languages,
 * opening hours (Bishkek time), delivery channel and its address, contacts, active.
 */
export function PartnerForm({
  partner,
  onDone,
}: {
  partner: Partner | null;
  onDone(saved: Partner | null): void;
}) {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const id = useId();
  const create = useCreatePartner();
  const update = useUpdatePartner();
  const form = useZodForm(PartnerFields, { defaultValues: draftOf(partner), wording: partnerIssue });
  const { failure, pending } = form;
  const regionsError = form.errorOf('regions');

  const onSubmit = form.submit(
    async (body) => onDone(partner ? await update(partner.id, body) : await create(body)),
    { fieldsOf: (error) => partnerServerIssues(error, t, partner !== null) },
  );

  const summary =
    failure !== null && !(failure instanceof ApiError && failure.status === 400)
      ? failure instanceof ApiError && failure.status === 409
        ? partner
          ? t('partners.updateConflict')
          : t('partners.slugTaken')
        : describeError(failure, t)
      : form.invalid || failure !== null
        ? t('errors.invalidRequest')
        : null;
  const title = partner ? t('partners.editTitle', { name: partner.name[locale] }) : t('partners.addTitle');

  return (
    <form
      ref={form.ref}
      className="form partner-form"
      noValidate
      onSubmit={(e) => void onSubmit(e)}
      aria-labelledby={`${id}-h`}
      data-testid="partner-form"
    >
      <h3 id={`${id}-h`} tabIndex={-1}>
        {title}
      </h3>
      {summary && (
        <p className="alert alert-error" role="alert">
          {summary}
        </p>
      )}
      <div className="form-grid">
        {(['ky', 'ru', 'en'] as const).map((lang) => (
          <TextField
            key={lang}
            id={`${id}-name-${lang}`}
            label={t(
              lang === 'ky' ? 'partners.nameKy' : lang === 'ru' ? 'partners.nameRu' : 'partners.nameEn',
            )}
            lang={lang}
            {...form.register(`name.${lang}`)}
            error={form.errorOf(`name.${lang}`)}
          />
        ))}
        <TextField
          id={`${id}-slug`}
          label={t('partners.slug')}
          hint={t('partners.slugHint')}
          autoComplete="off"
          autoCapitalize="none"
          spellCheck={false}
          {...form.register('slug')}
          error={form.errorOf('slug')}
        />
        <SelectField id={`${id}-type`} label={t('partners.type')} {...form.register('type')}>
          {PARTNER_TYPES.map((type) => (
            <option key={type} value={type}>
              {partnerTypeName(type, locale)}
            </option>
          ))}
        </SelectField>
      </div>

      <fieldset
        className={`choice-group choice-group-wide${regionsError ? ' field-invalid' : ''}`}
        aria-describedby={regionsError ? `${id}-regions-error` : undefined}
      >
        <legend>{t('partners.regions')}</legend>
        <div className="choices">
          {REGIONS.map((r) => (
            <label key={r.id} className="choice">
              <input
                type="checkbox"
                value={r.id}
                aria-invalid={regionsError ? true : undefined}
                {...form.register('regions')}
              />
              <span>{r.label[locale]}</span>
            </label>
          ))}
        </div>
        {regionsError && (
          <p id={`${id}-regions-error`} className="field-error">
            {regionsError}
          </p>
        )}
      </fieldset>

      <fieldset className="choice-group">
        <legend>{t('partners.languages')}</legend>
        <div className="choices">
          {PARTNER_LANGUAGES.map((l) => (
            <label key={l} className="choice">
              <input type="checkbox" value={l} {...form.register('languages')} />
              <span>{t(`partners.language.${l}`)}</span>
            </label>
          ))}
        </div>
      </fieldset>

      <PartnerHoursEditor form={form} id={id} />
      <PartnerChannelFields form={form} id={id} />
      <PartnerContacts form={form} id={id} />

      <label className="choice choice-standalone">
        <input type="checkbox" {...form.register('active')} />
        <span>{t('partners.activeLabel')}</span>
      </label>

      <div className="form-actions">
        <button type="submit" className="button button-primary" aria-disabled={pending || undefined}>
          {pending ? t('partners.saving') : partner ? t('partners.save') : t('partners.add')}
        </button>
        <button type="button" className="button" onClick={() => onDone(null)}>
          {t('partners.cancel')}
        </button>
      </div>
    </form>
  );
}
