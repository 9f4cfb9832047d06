import { ChangePasswordBody } from '@korgon/domain';
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { z } from 'zod';
import { TextField } from '../../components/field';
import { ApiError } from '../../lib/api';
import { describeError, serverFieldIssues } from '../../lib/describe-error';
import { useZodForm } from '../../lib/use-zod-form';
import { passwordApi } from './password-api';

/** The repeat is the console's own check; the rest is the domain's ChangePasswordBody, checked at once. */
const ChangePasswordFields = z
  .object({ currentPassword: z.string(), newPassword: z.string(), repeatPassword: z.string() })
  .superRefine((d, ctx) => {
    if (d.repeatPassword !== d.newPassword)
      ctx.addIssue({ code: 'custom', path: ['repeatPassword'], message: 'the passwords differ' });
  })
  .and(ChangePasswordBody);

const EMPTY = { currentPassword: '', newPassword: '', repeatPassword: '' };

/** The server's answer to a wrong current password has its own code. */
function isWrongCurrent(error: unknown): boolean {
  return error instanceof ApiError && error.code === 'wrong_password';
}

/**
 * Change your own password: the repeat is checked here, the rest against ChangePasswordBody and then the server.
 * `oneTime`: the current password is the one-time password an administrator gave (the forced change after sign-in).
 */
export function ChangePasswordForm({ onChanged, oneTime = false }: { onChanged(): void; oneTime?: boolean }) {
  const { t } = useTranslation();
  const id = useId();
  const [changed, setChanged] = useState(false);
  const form = useZodForm(ChangePasswordFields, {
    defaultValues: EMPTY,
    wording: (issue, t) => (issue.path[0] === 'repeatPassword' ? t('password.mismatch') : undefined),
  });
  const { failure, pending } = form;
  const wrongCurrent = isWrongCurrent(failure)
    ? oneTime
      ? t('password.wrongOneTime')
      : t('password.wrongCurrent')
    : undefined;
  const summary =
    wrongCurrent ??
    (failure !== null ? describeError(failure, t) : form.invalid ? t('errors.invalidRequest') : null);

  const onSubmit = form.submit(
    async ({ currentPassword, newPassword }) => {
      await passwordApi.change({ currentPassword, newPassword });
      form.reset(EMPTY);
      setChanged(true);
      onChanged();
    },
    // A wrong current password is said beside its field at render, so it follows a change of language.
    { fieldsOf: (error) => (isWrongCurrent(error) ? {} : serverFieldIssues(error)) },
  );

  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{t('password.title')}</h2>
      {!oneTime && <p className="muted">{t('password.intro')}</p>}
      <form
        ref={form.ref}
        className="form form-grid"
        noValidate
        onSubmit={(e) => {
          setChanged(false);
          void onSubmit(e);
        }}
        data-testid="change-password-form"
      >
        {summary && (
          <p className="alert alert-error form-wide" role="alert">
            {summary}
          </p>
        )}
        <TextField
          id={`${id}-current`}
          type="password"
          label={oneTime ? t('password.oneTime') : t('password.current')}
          autoComplete="current-password"
          {...form.register('currentPassword')}
          error={form.errorOf('currentPassword') ?? wrongCurrent}
        />
        <TextField
          id={`${id}-new`}
          type="password"
          label={t('password.new')}
          hint={t('password.newHint')}
          autoComplete="new-password"
          {...form.register('newPassword')}
          error={form.errorOf('newPassword')}
        />
        <TextField
          id={`${id}-repeat`}
          type="password"
          label={t('password.repeat')}
          autoComplete="new-password"
          {...form.register('repeatPassword')}
          error={form.errorOf('repeatPassword')}
        />
        <div className="form-actions form-wide">
          <button type="submit" className="button button-primary" aria-disabled={pending || undefined}>
            {t('password.submit')}
          </button>
          <p className="form-status" role="status">
            {pending ? t('password.pending') : changed ? t('password.changed') : ''}
          </p>
        </div>
      </form>
    </section>
  );
}
