import { LoginBody } from '@korgon/domain';
import { useEffect, useId } from 'react';
import { useTranslation } from 'react-i18next';
import { TextField } from '../../components/field';
import { useAuthStore } from '../../lib/auth-store';
import { navigateHome } from '../../lib/route';
import { useZodForm } from '../../lib/use-zod-form';
import { loginErrorMessage } from './login-error';

export function SignInForm() {
  const { t } = useTranslation();
  const signIn = useAuthStore((s) => s.signIn);
  const id = useId();
  const form = useZodForm(LoginBody, { defaultValues: { username: '', password: '' } });
  const { failure, invalid, pending } = form;
  const summary =
    failure !== null ? loginErrorMessage(failure, t) : invalid ? t('errors.invalidRequest') : null;

  // A refused sign-in with no field to blame leaves the password to type again.
  useEffect(() => {
    if (failure !== null && !invalid)
      form.root.current?.querySelector<HTMLElement>('input[type="password"]')?.focus();
  }, [failure, invalid, form.root]);

  const onSubmit = form.submit(async (body) => {
    try {
      const me = await signIn(body);
      // With a second factor still to come, the console shows its step (app.tsx), then goes home.
      if (!me.next) navigateHome(me.role);
    } catch (error) {
      form.setValue('password', '');
      throw error;
    }
  });

  return (
    <form
      ref={form.ref}
      className="form sign-in-form"
      noValidate
      onSubmit={(e) => void onSubmit(e)}
      data-testid="sign-in-form"
    >
      {summary && (
        <div className="alert alert-error" role="alert">
          <p>{summary}</p>
        </div>
      )}
      <TextField
        id={`${id}-username`}
        label={t('auth.username')}
        autoComplete="username"
        autoCapitalize="none"
        autoCorrect="off"
        spellCheck={false}
        {...form.register('username')}
        error={form.errorOf('username')}
      />
      <TextField
        id={`${id}-password`}
        type="password"
        label={t('auth.password')}
        autoComplete="current-password"
        {...form.register('password')}
        error={form.errorOf('password')}
      />
      <button type="submit" className="button button-primary" aria-disabled={pending || undefined}>
        {t('auth.submit')}
      </button>
      <p className="form-status" role="status">
        {pending ? t('auth.pending') : ''}
      </p>
    </form>
  );
}
