import { LoginBody } from '@korgon/domain';
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import { TextField } from '../../components/field';
import { serverFieldIssues } from '../../lib/describe-error';
import { fieldErrorsOf } from '../../lib/validation';
import { navigateHome } from '../shell/route';
import { useAuthStore } from './auth-store';
import { loginErrorMessage } from './login-error';

/** Kept as data, not text, so a message follows a change of language. */
type Problem = { kind: 'invalid'; issues: z.core.$ZodIssue[] } | { kind: 'failed'; error: unknown };

export function SignInForm() {
  const { t } = useTranslation();
  const signIn = useAuthStore((s) => s.signIn);
  const id = useId();
  const form = useRef<HTMLFormElement>(null);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [pending, setPending] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);

  const fieldErrors =
    problem?.kind === 'invalid' ? fieldErrorsOf(problem.issues, t) : serverFieldIssues(problem?.error);
  const summary =
    problem?.kind === 'failed'
      ? loginErrorMessage(problem.error, t)
      : problem
        ? t('errors.invalidRequest')
        : null;

  useEffect(() => {
    if (!problem) return;
    const target =
      form.current?.querySelector<HTMLElement>('[aria-invalid="true"]') ??
      form.current?.querySelector<HTMLElement>('input[type="password"]');
    target?.focus();
  }, [problem]);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (pending) return;
    const parsed = LoginBody.safeParse({ username, password });
    if (!parsed.success) {
      setProblem({ kind: 'invalid', issues: parsed.error.issues });
      return;
    }
    setPending(true);
    setProblem(null);
    try {
      const me = await signIn(parsed.data);
      // With a second factor still to come, the console shows its step (app.tsx), then goes home.
      if (!me.next) navigateHome(me.role);
    } catch (error) {
      setPassword('');
      setProblem({ kind: 'failed', error });
      setPending(false);
    }
  }

  return (
    <form ref={form} className="form sign-in-form" noValidate onSubmit={onSubmit} data-testid="sign-in-form">
      {summary && (
        <div className="alert alert-error" role="alert">
          <p>{summary}</p>
        </div>
      )}
      <TextField
        id={`${id}-username`}
        name="username"
        label={t('auth.username')}
        autoComplete="username"
        autoCapitalize="none"
        autoCorrect="off"
        spellCheck={false}
        value={username}
        onChange={(e) => setUsername(e.target.value)}
        error={fieldErrors.username}
      />
      <TextField
        id={`${id}-password`}
        name="password"
        type="password"
        label={t('auth.password')}
        autoComplete="current-password"
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        error={fieldErrors.password}
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
