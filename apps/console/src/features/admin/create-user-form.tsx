import { CreateUserBody, DEFAULT_LOCALE, type Locale, USER_ROLES, type UserRole } from '@korgon/domain';
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import { SelectField, TextField } from '../../components/field';
import { LANGUAGE_NAMES, LOCALES, useCurrentLocale } from '../../i18n/language';
import { ApiError } from '../../lib/api';
import { describeError, serverFieldIssues } from '../../lib/describe-error';
import { fieldErrorsOf } from '../../lib/validation';
import { usePartnersAdminStore } from './partners-store';
import { useUsersStore } from './users-store';

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

type Problem = { kind: 'invalid'; issues: z.core.$ZodIssue[] } | { kind: 'failed'; error: unknown };

function isConflict(error: unknown): boolean {
  return error instanceof ApiError && error.code === 'conflict';
}

export function CreateUserForm() {
  const { t } = useTranslation();
  const createUser = useUsersStore((s) => s.create);
  const locale = useCurrentLocale();
  const partners = usePartnersAdminStore((s) => s.partners);
  const id = useId();
  const form = useRef<HTMLFormElement>(null);
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [pending, setPending] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [created, setCreated] = useState<string | null>(null);

  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }));

  let fieldErrors: Record<string, string> = {};
  let summary: string | null = null;
  if (problem?.kind === 'invalid') {
    fieldErrors = fieldErrorsOf(problem.issues, t);
    summary = t('errors.invalidRequest');
  } else if (problem?.kind === 'failed') {
    fieldErrors = isConflict(problem.error)
      ? { username: t('admin.usernameTaken') }
      : serverFieldIssues(problem.error);
    summary = isConflict(problem.error) ? t('admin.usernameTaken') : describeError(problem.error, t);
  }

  useEffect(() => {
    if (problem) form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [problem]);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (pending) return;
    setCreated(null);
    const partnerOrgId = draft.role === 'partner' ? draft.partnerOrgId.trim() || null : null;
    const parsed = CreateUserBody.safeParse({ ...draft, partnerOrgId });
    if (!parsed.success) {
      setProblem({ kind: 'invalid', issues: parsed.error.issues });
      return;
    }
    setPending(true);
    setProblem(null);
    try {
      const user = await createUser(parsed.data);
      setDraft(EMPTY);
      setCreated(user.username);
    } catch (error) {
      setProblem({ kind: 'failed', error });
    } finally {
      setPending(false);
    }
  }

  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{t('admin.createTitle')}</h2>
      <form
        ref={form}
        className="form form-grid"
        noValidate
        onSubmit={onSubmit}
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
          value={draft.username}
          onChange={(e) => set('username', e.target.value)}
          error={fieldErrors.username}
        />
        <TextField
          id={`${id}-display-name`}
          label={t('admin.displayName')}
          autoComplete="off"
          value={draft.displayName}
          onChange={(e) => set('displayName', e.target.value)}
          error={fieldErrors.displayName}
        />
        <SelectField
          id={`${id}-role`}
          label={t('admin.role')}
          value={draft.role}
          onChange={(e) => set('role', USER_ROLES.find((r) => r === e.target.value) ?? 'operator')}
          error={fieldErrors.role}
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
          value={draft.locale}
          onChange={(e) => set('locale', LOCALES.find((l) => l === e.target.value) ?? DEFAULT_LOCALE)}
          error={fieldErrors.locale}
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
          value={draft.password}
          onChange={(e) => set('password', e.target.value)}
          error={fieldErrors.password}
        />
        {draft.role === 'partner' && (
          <SelectField
            id={`${id}-partner-org`}
            label={t('admin.partnerOrg')}
            hint={t('admin.partnerOrgHint')}
            value={draft.partnerOrgId}
            onChange={(e) => set('partnerOrgId', e.target.value)}
            error={fieldErrors.partnerOrgId}
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
