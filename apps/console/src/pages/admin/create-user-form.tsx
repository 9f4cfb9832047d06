import { CreateUserBody, DEFAULT_LOCALE, type Locale, USER_ROLES, type UserRole } from '@korgon/domain';
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { z } from 'zod';
import { SelectField, TextField } from '../../components/field';
import { LANGUAGE_NAMES, LOCALES, useCurrentLocale } from '../../i18n/language';
import { ApiError } from '../../lib/api';
import { describeError, serverFieldIssues } from '../../lib/describe-error';
import { useZodForm } from '../../lib/use-zod-form';
import { useAdminPartners } from './partners-query';
import { useCreateUser } from './users-query';

interface Draft {
  username: string;
  displayName: string;
  role: UserRole;
  password: string;
  locale: Locale;
  partnerOrgId: string;
}

const EMPTY: Draft = {
  username: '',
  displayName: '',
  role: 'operator',
  password: '',
  locale: DEFAULT_LOCALE,
  partnerOrgId: '',
};

/** The role decides whether a partner organisation is sent at all; CreateUserBody checks the rest. */
const CreateUserFields = z
  .custom<Draft>()
  .transform(
    (d): z.input<typeof CreateUserBody> => ({
      ...d,
      partnerOrgId: d.role === 'partner' ? d.partnerOrgId.trim() || null : null,
    }),
  )
  .pipe(CreateUserBody);

function isConflict(error: unknown): boolean {
  return error instanceof ApiError && error.code === 'conflict';
}

export function CreateUserForm() {
  const { t } = useTranslation();
  const createUser = useCreateUser();
  const locale = useCurrentLocale();
  const { partners } = useAdminPartners();
  const id = useId();
  const [created, setCreated] = useState<string | null>(null);
  const form = useZodForm(CreateUserFields, { defaultValues: EMPTY });
  const { failure, pending } = form;
  const taken = isConflict(failure) ? t('admin.usernameTaken') : undefined;
  const summary =
    taken ??
    (failure !== null ? describeError(failure, t) : form.invalid ? t('errors.invalidRequest') : null);
  const role = form.watch('role');

  const onSubmit = form.submit(
    async (body) => {
      const user = await createUser(body);
      form.reset(EMPTY);
      setCreated(user.username);
    },
    { fieldsOf: (error) => (isConflict(error) ? {} : serverFieldIssues(error)) },
  );

  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{t('admin.createTitle')}</h2>
      <form
        ref={form.ref}
        className="form form-grid"
        noValidate
        onSubmit={(e) => {
          setCreated(null);
          void onSubmit(e);
        }}
        data-testid="create-user-form"
      >
        {summary && (
          <p className="alert alert-error form-wide" role="alert">
            {summary}
          </p>
        )}
        <TextField
          id={`${id}-username`}
          label={t('auth.username')}
          autoComplete="off"
          autoCapitalize="none"
          spellCheck={false}
          {...form.register('username')}
          error={form.errorOf('username') ?? taken}
        />
        <TextField
          id={`${id}-display-name`}
          label={t('admin.displayName')}
          autoComplete="off"
          {...form.register('displayName')}
          error={form.errorOf('displayName')}
        />
        <SelectField
          id={`${id}-role`}
          label={t('admin.role')}
          {...form.register('role')}
          error={form.errorOf('role')}
        >
          {USER_ROLES.map((role) => (
            <option key={role} value={role}>
              {t(`roles.${role}`)}
            </option>
          ))}
        </SelectField>
        <SelectField
          id={`${id}-locale`}
          label={t('admin.locale')}
          {...form.register('locale')}
          error={form.errorOf('locale')}
        >
          {LOCALES.map((locale) => (
            <option key={locale} value={locale} lang={locale}>
              {LANGUAGE_NAMES[locale]}
            </option>
          ))}
        </SelectField>
        <TextField
          id={`${id}-password`}
          type="password"
          label={t('admin.initialPassword')}
          hint={t('admin.passwordHint')}
          autoComplete="new-password"
          {...form.register('password')}
          error={form.errorOf('password')}
        />
        {role === 'partner' && (
          <SelectField
            id={`${id}-partner-org`}
            label={t('admin.partnerOrg')}
            hint={t('admin.partnerOrgHint')}
            {...form.register('partnerOrgId')}
            error={form.errorOf('partnerOrgId')}
          >
            <option value="">{t('consultation.choose')}</option>
            {partners.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name[locale]} ({p.slug})
              </option>
            ))}
          </SelectField>
        )}
        <div className="form-actions form-wide">
          <button type="submit" className="button button-primary" aria-disabled={pending || undefined}>
            {t('admin.createSubmit')}
          </button>
          <p className="form-status" role="status">
            {pending ? t('admin.creating') : created ? t('admin.created', { username: created }) : ''}
          </p>
        </div>
      </form>
    </section>
  );
}
