import { useTranslation } from 'react-i18next';
import { TextField } from '../../components/field';
import { DAYS, type PartnerDraftForm } from './partner-draft';

/** Opening hours in Bishkek time: always open, or a window per kind of day. Its issues show for the whole group. */
export function PartnerHoursEditor({ form, id }: { form: PartnerDraftForm; id: string }) {
  const { t } = useTranslation();
  const always = form.watch('always');
  const days = form.watch('days');
  const error = form.errorOf('hours');
  // The group's message is about the hours as a whole: any change to them takes it away until the next check.
  const changed = { onChange: () => form.clearIssues('hours') };

  return (
    <fieldset
      className={`choice-group choice-group-wide${error ? ' field-invalid' : ''}`}
      aria-describedby={`${id}-hours-hint${error ? ` ${id}-hours-error` : ''}`}
      data-testid="partner-hours"
    >
      <legend>{t('partners.hours')}</legend>
      <p id={`${id}-hours-hint`} className="field-hint">
        {t('partners.hoursHint')}
      </p>
      <div className="choices">
        {[true, false].map((value) => (
          <label key={String(value)} className="choice">
            <input
              type="radio"
              name={`${id}-always`}
              checked={always === value}
              onChange={() => {
                form.setValue('always', value);
                form.clearIssues('hours');
              }}
            />
            <span>{value ? t('partners.always') : t('partners.setHours')}</span>
          </label>
        ))}
      </div>
      {!always &&
        DAYS.map((day) => (
          <fieldset key={day} className="hours-row">
            <legend className="sr-only">{t(`partners.day.${day}`)}</legend>
            <label className="choice">
              <input type="checkbox" {...form.register(`days.${day}.open`, changed)} />
              <span>{t(`partners.day.${day}`)}</span>
            </label>
            {days[day].open && (
              <div className="inline-fields">
                <TextField
                  id={`${id}-${day}-from`}
                  type="time"
                  className="time-input"
                  label={t('partners.from')}
                  {...form.register(`days.${day}.from`, changed)}
                />
                <TextField
                  id={`${id}-${day}-to`}
                  type="time"
                  className="time-input"
                  label={t('partners.to')}
                  {...form.register(`days.${day}.to`, changed)}
                />
              </div>
            )}
          </fieldset>
        ))}
      {error && (
        <p id={`${id}-hours-error`} className="field-error">
          {error}
        </p>
      )}
    </fieldset>
  );
}
