import { canHoldExtension, UpdateUserBody, type UserSummary } from '@korgon/domain';
import type { TFunction } from 'i18next';
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { TextField } from '../../components/field';
import { ShownOnce } from '../../components/shown-once';
import { ApiError } from '../../lib/api';
import { describeError, serverFieldIssues } from '../../lib/describe-error';
import { fieldErrorsOf } from '../../lib/validation';
import { useUsersStore } from './users-store';

interface Draft {
  displayName: string;
  extension: string;
}

type Problem =
  | { kind: 'invalid'; issues: z.core.$ZodIssue[] }
  | { kind: 'failed'; error: unknown; extension: string | null };

/** What went wrong, in the current language; a taken extension names its holder from the list on screen. */
function describeProblem(
  problem: Problem | null,
  users: UserSummary[],
  self: UserSummary,
  t: TFunction,
): { summary: string | null; fields: Record<string, string> } {
  if (!problem) return { summary: null, fields: {} };
  if (problem.kind === 'invalid')
    return { summary: t('errors.invalidRequest'), fields: fieldErrorsOf(problem.issues, t) };
  const { error, extension } = problem;
  if (error instanceof ApiError && error.code === 'conflict' && extension) {
    const holder = users.find((u) => u.extension === extension && u.id !== self.id);
    const text = holder
      ? t('admin.extensionTaken', { extension, name: `${holder.displayName} (${holder.username})` })
      : error.body.message;
    return { summary: text, fields: { extension: text } };
  }
  return { summary: describeError(error, t), fields: serverFieldIssues(error) };
}

/**
 * Edits one user: display name and PBX extension (saved together, only what changed), and resets the password
 * to a one-time one that is shown here once.
 */
export function UserEditor({
  user,
  isSelf,
  onClose,
  onSaved,
}: {
  user: UserSummary;
  isSelf: boolean;
  onClose(): void;
  onSaved(name: string): void;
}) {
  const { t } = useTranslation();
  const id = useId();
  const form = useRef<HTMLFormElement>(null);
  const users = useUsersStore((s) => s.users);
  const update = useUsersStore((s) => s.update);
  const [draft, setDraft] = useState<Draft>({
    displayName: user.displayName,
    extension: user.extension ?? '',
  });
  const [pending, setPending] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const answersCalls = canHoldExtension(user.role);
  const { summary, fields } = describeProblem(problem, users, user, t);

  useEffect(() => {
    document.getElementById(`${id}-title`)?.focus();
  }, [id]);

  useEffect(() => {
    if (problem) form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [problem]);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (pending) return;
    const change: Record<string, unknown> = {};
    if (draft.displayName !== user.displayName) change.displayName = draft.displayName;
    const extension = draft.extension.trim() === '' ? null : draft.extension;
    if (answersCalls && extension !== user.extension) change.extension = extension;
    if (Object.keys(change).length === 0) {
      onClose();
      return;
    }
    const parsed = UpdateUserBody.safeParse(change);
    if (!parsed.success) {
      setProblem({ kind: 'invalid', issues: parsed.error.issues });
      return;
    }
    setPending(true);
    setProblem(null);
    try {
      const saved = await update(user.id, parsed.data);
      onSaved(saved.displayName);
    } catch (error) {
      setProblem({ kind: 'failed', error, extension: parsed.data.extension ?? null });
    } finally {
      setPending(false);
    }
  }

  return (
    <section className="panel user-editor" aria-labelledby={`${id}-title`} data-testid="user-editor">
      <h3 id={`${id}-title`} tabIndex={-1}>
        {t('admin.editTitle', { username: user.username })}
      </h3>
      <form ref={form} className="form form-grid" noValidate onSubmit={onSubmit}>
        {summary && (
          <p className="alert alert-error form-wide" role="alert">
            {summary}
          </p>
        )}
        <TextField
          id={`${id}-display-name`}
          label={t('admin.displayName')}
          autoComplete="off"
          value={draft.displayName}
          onChange={(e) => setDraft((d) => ({ ...d, displayName: e.target.value }))}
          error={fields.displayName}
        />
        <TextField
          id={`${id}-extension`}
          label={t('admin.extension')}
          hint={answersCalls ? t('admin.extensionHint') : t('admin.extensionNotForRole')}
          inputMode="numeric"
          autoComplete="off"
          disabled={!answersCalls}
          value={draft.extension}
          onChange={(e) => setDraft((d) => ({ ...d, extension: e.target.value }))}
          error={fields.extension}
        />
        <div className="form-actions form-wide">
          <button type="submit" className="button button-primary" aria-disabled={pending || undefined}>
            {t('admin.save')}
          </button>
          <button type="button" className="button" onClick={onClose}>
            {t('admin.close')}
          </button>
          <p className="form-status" role="status">
            {pending ? t('admin.saving') : ''}
          </p>
        </div>
      </form>
      {!isSelf && <PasswordReset user={user} />}
      {!isSelf && <SecondFactorReset user={user} />}
    </section>
  );
}

/** Whether the user has set up the second factor, and its reset (a lost phone) after a confirmation. */
function SecondFactorReset({ user }: { user: UserSummary }) {
  const { t } = useTranslation();
  const id = useId();
  const resetSecondFactor = useUsersStore((s) => s.resetSecondFactor);
  const [confirming, setConfirming] = useState(false);
  const [pending, setPending] = useState(false);
  const [failed, setFailed] = useState<unknown>(null);
  const [done, setDone] = useState<number | null>(null);

  async function reset() {
    setConfirming(false);
    if (pending) return;
    setPending(true);
    setFailed(null);
    setDone(null);
    try {
      setDone((await resetSecondFactor(user.id)).sessionsEnded);
    } catch (error) {
      setFailed(error);
    } finally {
      setPending(false);
    }
  }

  return (
    <section aria-labelledby={`${id}-h`} className="user-password" data-testid="second-factor-reset">
      <h4 id={`${id}-h`}>{t('secondFactor.resetTitle')}</h4>
      <p>
        <span className={user.secondFactorEnrolled ? 'badge badge-current' : 'badge'}>
          {user.secondFactorEnrolled ? t('secondFactor.adminEnrolled') : t('secondFactor.adminNotEnrolled')}
        </span>
      </p>
      <div role="status" className="feedback">
        {done !== null && (
          <p className="alert alert-success">
            {t('secondFactor.resetDone', { username: user.username, count: done })}
          </p>
        )}
        {pending && <p>{t('secondFactor.resetting')}</p>}
      </div>
      {user.secondFactorEnrolled ? (
        <>
          <p className="muted">{t('secondFactor.resetIntro', { name: user.displayName })}</p>
          <button type="button" className="button" onClick={() => setConfirming(true)}>
            {t('secondFactor.reset')}
            <span className="sr-only"> {user.username}</span>
          </button>
        </>
      ) : (
        done === null && <p className="muted">{t('secondFactor.resetNothing', { name: user.displayName })}</p>
      )}
      {failed !== null && (
        <p className="alert alert-error" role="alert">
          {describeError(failed, t)}
        </p>
      )}
      <ConfirmDialog
        open={confirming}
        title={t('secondFactor.resetConfirmTitle', { username: user.username })}
        confirmLabel={t('secondFactor.resetYes')}
        cancelLabel={t('secondFactor.cancel')}
        onConfirm={() => void reset()}
        onCancel={() => setConfirming(false)}
        testId="second-factor-reset-dialog"
      >
        <p>{t('secondFactor.resetConfirmText', { username: user.username })}</p>
      </ConfirmDialog>
    </section>
  );
}

/** Reset to a one-time password, after a confirmation; the password is shown once and kept nowhere. */
function PasswordReset({ user }: { user: UserSummary }) {
  const { t } = useTranslation();
  const id = useId();
  const resetPassword = useUsersStore((s) => s.resetPassword);
  const [step, setStep] = useState<'idle' | 'confirm' | 'pending'>('idle');
  const [failed, setFailed] = useState<unknown>(null);
  const [oneTime, setOneTime] = useState<string | null>(null);

  useEffect(() => {
    if (step === 'confirm') document.getElementById(`${id}-confirm`)?.focus();
  }, [step, id]);

  async function reset() {
    if (step === 'pending') return;
    setStep('pending');
    setFailed(null);
    try {
      setOneTime((await resetPassword(user.id)).oneTimePassword);
    } catch (error) {
      setFailed(error);
    } finally {
      setStep('idle');
    }
  }

  return (
    <section aria-labelledby={`${id}-h`} className="user-password">
      <h4 id={`${id}-h`}>{t('admin.passwordTitle')}</h4>
      {oneTime ? (
        <OneTimePasswordShownOnce
          name={user.displayName}
          password={oneTime}
          onClose={() => setOneTime(null)}
        />
      ) : (
        <>
          <p className="muted">{t('admin.resetIntro', { name: user.displayName })}</p>
          {step === 'idle' && (
            <button type="button" className="button" onClick={() => setStep('confirm')}>
              {t('admin.reset')}
              <span className="sr-only"> {user.username}</span>
            </button>
          )}
          {step !== 'idle' && (
            <div className="alert alert-warning">
              <p>{t('admin.resetConfirm', { username: user.username })}</p>
              <div className="form-actions">
                <button
                  id={`${id}-confirm`}
                  type="button"
                  className="button button-danger"
                  aria-disabled={step === 'pending' || undefined}
                  onClick={() => void reset()}
                >
                  {t('admin.resetYes')}
                </button>
                <button type="button" className="button" onClick={() => setStep('idle')}>
                  {t('admin.cancel')}
                </button>
                <p className="form-status" role="status">
                  {step === 'pending' ? t('admin.resetting') : ''}
                </p>
              </div>
            </div>
          )}
          {failed !== null && (
            <p className="alert alert-error" role="alert">
              {describeError(failed, t)}
            </p>
          )}
        </>
      )}
    </section>
  );
}

/** The one-time password, once: to be passed on now; the server keeps only its hash. */
function OneTimePasswordShownOnce({
  name,
  password,
  onClose,
}: {
  name: string;
  password: string;
  onClose(): void;
}) {
  const { t } = useTranslation();
  return (
    <ShownOnce
      value={password}
      heading="h5"
      testId="one-time-password"
      onClose={onClose}
      text={{
        title: t('admin.oneTimeTitle', { name }),
        once: t('admin.oneTimeOnce'),
        howTo: t('admin.oneTimeHowTo'),
        label: t('admin.oneTimeLabel'),
        copy: t('admin.copy'),
        done: t('admin.oneTimeDone'),
        copied: t('admin.copied'),
        copyManually: t('admin.copyManually'),
      }}
    />
  );
}
