import { ChangePasswordBody } from '@korgon/domain';
import type { TFunction } from 'i18next';
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import { TextField } from '../../components/field';
import { ApiError } from '../../lib/api';
import { describeError, serverFieldIssues } from '../../lib/describe-error';
import { fieldErrorsOf } from '../../lib/validation';
import { passwordApi } from './password-api';

interface Draft {
  currentPassword: string;
  newPassword: string;
  repeatPassword: string;
}

const EMPTY: Draft = { currentPassword: '', newPassword: '', repeatPassword: '' };

/** Kept as data, not text, so a message follows a change of language. */
type Problem =
  | { kind: 'invalid'; issues: z.core.$ZodIssue[]; mismatch: boolean }
  | { kind: 'failed'; error: unknown };

/** The server's answer to a wrong current password has its own code. */
function isWrongCurrent(error: unknown): boolean {
  return error instanceof ApiError && error.code === 'wrong_password';
}

function describeProblem(
  problem: Problem | null,
  t: TFunction,
  oneTime: boolean,
): { summary: string | null; fields: Record<string, string> } {
  if (!problem) return { summary: null, fields: {} };
  if (problem.kind === 'invalid') {
    const fields = fieldErrorsOf(problem.issues, t);
    if (problem.mismatch) fields.repeatPassword = t('password.mismatch');
    return { summary: t('errors.invalidRequest'), fields };
  }
  if (isWrongCurrent(problem.error)) {
    const text = oneTime ? t('password.wrongOneTime') : t('password.wrongCurrent');
    return { summary: text, fields: { currentPassword: text } };
  }
  return { summary: describeError(problem.error, t), fields: serverFieldIssues(problem.error) };
}

/**
 * Change your own password: the repeat is checked here, the rest against ChangePasswordBody and then the server.
 * `oneTime`: the current password is the one-time password an administrator gave (the forced change after sign-in).
 */
export function ChangePasswordForm({ onChanged, oneTime = false }: { onChanged(): void; oneTime?: boolean }) {
  const { t } = useTranslation();
  const id = useId();
  const form = useRef<HTMLFormElement>(null);
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [pending, setPending] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [changed, setChanged] = useState(false);

  const set = (key: keyof Draft, value: string) => setDraft((d) => ({ ...d, [key]: value }));
  const { summary, fields } = describeProblem(problem, t, oneTime);

  useEffect(() => {
    if (problem) form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [problem]);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (pending) return;
    setChanged(false);
    const parsed = ChangePasswordBody.safeParse({
      currentPassword: draft.currentPassword,
      newPassword: draft.newPassword,
    });
    const mismatch = draft.repeatPassword !== draft.newPassword;
    if (!parsed.success || mismatch) {
      setProblem({ kind: 'invalid', issues: parsed.success ? [] : parsed.error.issues, mismatch });
      return;
    }
    setPending(true);
    setProblem(null);
    try {
      await passwordApi.change(parsed.data);
      setDraft(EMPTY);
      setChanged(true);
      onChanged();
    } catch (error) {
      setProblem({ kind: 'failed', error });
    } finally {
      setPending(false);
    }
  }

  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{t('password.title')}</h2>
      {!oneTime && <p className="muted">{t('password.intro')}</p>}
      <form
        ref={form}
        className="form form-grid"
        noValidate
        onSubmit={onSubmit}
        data-testid="change-password-form"
      >
        {summary && (
          <p className="alert alert-error form-wide" role="alert">
            {summary}
          </p>
        )}
        <TextField
          id={`${id}-current`}
          name="current-password"
          type="password"
          label={oneTime ? t('password.oneTime') : t('password.current')}
          autoComplete="current-password"
          value={draft.currentPassword}
          onChange={(e) => set('currentPassword', e.target.value)}
          error={fields.currentPassword}
        />
        <TextField
          id={`${id}-new`}
          name="new-password"
          type="password"
          label={t('password.new')}
          hint={t('password.newHint')}
          autoComplete="new-password"
          value={draft.newPassword}
          onChange={(e) => set('newPassword', e.target.value)}
          error={fields.newPassword}
        />
        <TextField
          id={`${id}-repeat`}
          name="repeat-password"
          type="password"
          label={t('password.repeat')}
          autoComplete="new-password"
          value={draft.repeatPassword}
          onChange={(e) => set('repeatPassword', e.target.value)}
          error={fields.repeatPassword}
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
