import { canHoldExtension, UpdateUserBody, type UserSummary } from '@korgon/domain';
import type { TFunction } from 'i18next';
import { type FormEvent, useEffect, useId, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { z } from 'zod';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { TextField } from '../../components/field';
import { ShownOnce } from '../../components/shown-once';
import { ApiError } from '../../lib/api';
import { describeError, serverFieldIssues } from '../../lib/describe-error';
import { useZodForm } from '../../lib/use-zod-form';
import { useResetPassword, useResetSecondFactor, useUpdateUser, useUsers } from './users-query';

interface Draft {
  displayName: string;
  extension: string;
}

/** Only what changed is sent, and an extension only for a role that answers calls. */
function changeOf(d: Draft, user: UserSummary, answersCalls: boolean): z.input<typeof UpdateUserBody> {
  const change: z.input<typeof UpdateUserBody> = {};
  if (d.displayName !== user.displayName) change.displayName = d.displayName;
  // A disabled field may hold no value at all.
  const extension = (d.extension ?? '').trim() === '' ? null : d.extension;
  if (answersCalls && extension !== user.extension) change.extension = extension;
  return change;
}

/** The change, checked by UpdateUserBody. */
function changesOf(user: UserSummary, answersCalls: boolean) {
  return z
    .custom<Draft>()
    .transform((d) => changeOf(d, user, answersCalls))
    .pipe(UpdateUserBody);
}

function isConflict(error: unknown): error is ApiError {
  return error instanceof ApiError && error.code === 'conflict';
}

/** A taken extension, said with its holder from the list on screen; undefined for any other failure. */
function takenText(
  failure: unknown,
  extension: string | null,
  users: UserSummary[],
  self: UserSummary,
  t: TFunction,
): string | undefined {
  if (!isConflict(failure) || !extension) return undefined;
  const holder = users.find((u) => u.extension === extension && u.id !== self.id);
  return holder
    ? t('admin.extensionTaken', { extension, name: `${holder.displayName} (${holder.username})` })
    : failure.body.message;
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
  const { users } = useUsers();
  const update = useUpdateUser();
  const answersCalls = canHoldExtension(user.role);
  const schema = useMemo(() => changesOf(user, answersCalls), [user, answersCalls]);
  const form = useZodForm(schema, {
    defaultValues: { displayName: user.displayName, extension: user.extension ?? '' },
  });
  const { failure, pending } = form;
  // The extension of the call that failed, so a conflict names who holds it.
  const [sentExtension, setSentExtension] = useState<string | null>(null);
  const taken = takenText(failure, sentExtension, users, user, t);
  const summary =
    taken ??
    (failure !== null ? describeError(failure, t) : form.invalid ? t('errors.invalidRequest') : null);

  useEffect(() => {
    document.getElementById(`${id}-title`)?.focus();
  }, [id]);

  const save = form.submit(
    async (change) => {
      setSentExtension(change.extension ?? null);
      const saved = await update(user.id, change);
      onSaved(saved.displayName);
    },
    // A taken extension is said beside its field at render, so it follows a change of language.
    { fieldsOf: (error) => (isConflict(error) ? {} : serverFieldIssues(error)) },
  );

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    // Nothing changed: nothing to send (UpdateUserBody wants at least one field), so the editor just closes.
    if (Object.keys(changeOf(form.getValues(), user, answersCalls)).length > 0) {
      void save(event);
      return;
    }
    event.preventDefault();
    if (!pending) onClose();
  }

  return (
    <section className="panel user-editor" aria-labelledby={`${id}-title`} data-testid="user-editor">
      <h3 id={`${id}-title`} tabIndex={-1}>
        {t('admin.editTitle', { username: user.username })}
      </h3>
      <form ref={form.ref} className="form form-grid" noValidate onSubmit={onSubmit}>
        {summary && (
          <p className="alert alert-error form-wide" role="alert">
            {summary}
          </p>
        )}
        <TextField
          id={`${id}-display-name`}
          label={t('admin.displayName')}
          autoComplete="off"
          {...form.register('displayName')}
          error={form.errorOf('displayName')}
        />
        <TextField
          id={`${id}-extension`}
          label={t('admin.extension')}
          hint={answersCalls ? t('admin.extensionHint') : t('admin.extensionNotForRole')}
          inputMode="numeric"
          autoComplete="off"
          disabled={!answersCalls}
          {...form.register('extension')}
          error={form.errorOf('extension') ?? taken}
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
  const resetSecondFactor = useResetSecondFactor();
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
  const resetPassword = useResetPassword();
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
