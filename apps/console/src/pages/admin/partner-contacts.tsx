import { useFieldArray } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { TextField } from '../../components/field';
import { EMPTY_CONTACT, type PartnerDraftForm } from './partner-draft';

const PARTS = [
  { part: 'name', label: 'partners.contactName', type: 'text' },
  { part: 'role', label: 'partners.contactRole', type: 'text' },
  { part: 'phone', label: 'partners.contactPhone', type: 'tel' },
  { part: 'email', label: 'partners.contactEmail', type: 'email' },
] as const;

/** The partner's people to call: added and removed one by one; a row left empty is not sent. */
export function PartnerContacts({ form, id }: { form: PartnerDraftForm; id: string }) {
  const { t } = useTranslation();
  const { fields, append, remove } = useFieldArray({ control: form.control, name: 'contacts' });
  return (
    <fieldset className="choice-group choice-group-wide" data-testid="partner-contacts">
      <legend>{t('partners.contacts')}</legend>
      {fields.length === 0 && <p className="field-hint">{t('partners.noContacts')}</p>}
      {fields.map((contact, i) => (
        <fieldset key={contact.id} className="choice-subgroup contact-row">
          <legend>{t('partners.contactN', { n: i + 1 })}</legend>
          <div className="form-grid">
            {PARTS.map(({ part, label, type }) => (
              <TextField
                key={part}
                id={`${id}-c${contact.id}-${part}`}
                type={type}
                label={t(label)}
                autoComplete="off"
                {...form.register(`contacts.${i}.${part}`)}
                error={form.errorOf(`contacts.${i}.${part}`)}
              />
            ))}
          </div>
          <button
            type="button"
            className="button button-small button-danger"
            onClick={() => {
              remove(i);
              form.clearIssues('contacts');
            }}
          >
            {t('partners.removeContact', { n: i + 1 })}
          </button>
        </fieldset>
      ))}
      <div>
        <button type="button" className="button button-small" onClick={() => append({ ...EMPTY_CONTACT })}>
          {t('partners.addContact')}
        </button>
      </div>
    </fieldset>
  );
}
