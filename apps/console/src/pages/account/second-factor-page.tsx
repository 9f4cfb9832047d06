import { type EnrolmentStart, type Me, SecondFactorVerifyBody } from '@korgon/domain';
import type { TFunction } from 'i18next';
import { type FormEvent, useCallback, useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { TextField } from '../../components/field';
import { SignedOutPage } from '../../components/signed-out-page';
import { useUserLocale } from '../../i18n/use-user-locale';
import { ApiError } from '../../lib/api';
import { authApi } from '../../lib/auth-api';
import { useAuthStore } from '../../lib/auth-store';
import { describeError } from '../../lib/describe-error';
import { navigateHome } from '../../lib/route';
import { useZodForm } from '../../lib/use-zod-form';
import { RecoveryCodesShownOnce } from './recovery-codes';

/** A wrong or spent code, a pause after too many, or anything else, in the current language. */
export function codeErrorMessage(error: unknown, t: TFunction): string {
  if (error instanceof ApiError) {
    if (error.code === 'wrong_code') return t('secondFactor.wrongCode');
    if (error.code === 'too_many_requests') {
      const seconds = error.body.retryAfterSeconds;
      return seconds === undefined
        ? t('auth.tooManyAttemptsLater')
        : t('secondFactor.locked', { count: Math.max(1, Math.ceil(seconds / 60)) });
    }
  }
  return describeError(error, t);
}

/** The secret as an app asks for it when typed: groups of four, easier to read out and check. */
const grouped = (secret: string) => secret.match(/.{1,4}/g)?.join(' ') ?? secret;

/**
 * The three code forms (the sign-in's step, enrolment, new recovery codes) on the shared form hook: a code is
 * asked for when none is typed (SecondFactorVerifyBody), sent trimmed, and emptied after a refusal, whose
 * reason shows beside the field and above the form. `empty`: what to say when no code was typed.
 */
export function useCodeForm(send: (code: string) => Promise<void>, empty: (t: TFunction) => string) {
  const { t } = useTranslation();
  const form = useZodForm(SecondFactorVerifyBody, {
    defaultValues: { code: '' },
    wording: (issue, t) => (issue.code === 'too_small' ? empty(t) : undefined),
  });
  const onSubmit = form.submit(
    async ({ code }) => {
      try {
        await send(code);
      } catch (error) {
        form.setValue('code', '');
        throw error;
      }
    },
    // The refusal is the field's message too (below), worded at render.
    { fieldsOf: () => ({}) },
  );
  const message =
    form.errorOf('code') ?? (form.failure !== null ? codeErrorMessage(form.failure, t) : undefined);
  return {
    form,
    message,
    code: form.watch('code'),
    setCode: (code: string) => form.setValue('code', code),
    onSubmit: (event: FormEvent) => void onSubmit(event),
    /** Back to an empty field with nothing said, as when switching between an app code and a recovery code. */
    clear: () => {
      form.reset({ code: '' });
      form.setFailure(null);
    },
  };
}

/** A 6-digit code field: one field, the phone's keypad, and the browser's one-time-code autofill. */
function CodeField({
  id,
  value,
  onChange,
  error,
  label,
  hint,
}: {
  id: string;
  value: string;
  onChange(v: string): void;
  error: string | undefined;
  label: string;
  hint?: string;
}) {
  return (
    <TextField
      id={id}
      name="one-time-code"
      label={label}
      hint={hint}
      inputMode="numeric"
      autoComplete="one-time-code"
      pattern="[0-9]*"
      maxLength={6}
      spellCheck={false}
      className="code-input mono"
      value={value}
      onChange={(e) => onChange(e.target.value.replace(/\s/g, ''))}
      error={error}
    />
  );
}

/** The sign-in's second step: the code of the authenticator app, or a recovery code instead. */
function CodeStep({ onPassed }: { onPassed(me: Me): void }) {
  const { t } = useTranslation();
  const id = useId();
  const [recovery, setRecovery] = useState(false);
  const { form, message, code, setCode, onSubmit, clear } = useCodeForm(
    async (code) => onPassed(await authApi.verifySecondFactor(code)),
    (t) => (recovery ? t('secondFactor.enterRecovery') : t('secondFactor.enterCode')),
  );
  const pending = form.pending;

  return (
    <>
      <h1>{t('secondFactor.codeTitle')}</h1>
      <p className="lead">{recovery ? t('secondFactor.recoveryIntro') : t('secondFactor.codeIntro')}</p>
      <form
        ref={form.ref}
        className="form sign-in-form"
        noValidate
        onSubmit={onSubmit}
        data-testid="totp-form"
      >
        {message && (
          <div className="alert alert-error" role="alert">
            <p>{message}</p>
          </div>
        )}
        {recovery ? (
          <TextField
            id={`${id}-recovery`}
            name="recovery-code"
            label={t('secondFactor.recoveryLabel')}
            hint={t('secondFactor.recoveryHint')}
            autoComplete="off"
            autoCapitalize="none"
            spellCheck={false}
            maxLength={20}
            className="mono"
            value={code}
            onChange={(e) => setCode(e.target.value)}
            error={message}
          />
        ) : (
          <CodeField
            id={`${id}-code`}
            label={t('secondFactor.codeLabel')}
            hint={t('secondFactor.codeHint')}
            value={code}
            onChange={setCode}
            error={message}
          />
        )}
        <button type="submit" className="button button-primary" aria-disabled={pending || undefined}>
          {t('secondFactor.verify')}
        </button>
        <p className="form-status" role="status">
          {pending ? t('secondFactor.checking') : ''}
        </p>
      </form>
      <button
        type="button"
        className="button button-link"
        onClick={() => {
          setRecovery((r) => !r);
          clear();
        }}
      >
        {recovery ? t('secondFactor.useApp') : t('secondFactor.useRecovery')}
      </button>
    </>
  );
}

/**
 * Setting up the second factor: the QR code (or the key to type), the first code from the app, then the
 * recovery codes shown once. Used at sign-in and on the account page.
 */
export function Enrolment({
  me,
  heading: Heading,
  onDone,
  doneLabel,
}: {
  me: Pick<Me, 'username'>;
  heading: 'h1' | 'h3';
  onDone(me: Me): void;
  doneLabel: string;
}) {
  const { t } = useTranslation();
  const id = useId();
  const started = useRef(false);
  const [start, setStart] = useState<EnrolmentStart | null>(null);
  const [startFailed, setStartFailed] = useState<unknown>(null);
  const [done, setDone] = useState<{ codes: string[]; me: Me } | null>(null);
  const { form, message, code, setCode, onSubmit } = useCodeForm(
    async (code) => {
      const answer = await authApi.confirmEnrolment(code);
      setDone({ codes: answer.recoveryCodes, me: answer.me });
    },
    (t) => t('secondFactor.enterCode'),
  );
  const pending = form.pending;

  const begin = useCallback(() => {
    setStartFailed(null);
    authApi.startEnrolment().then(setStart, setStartFailed);
  }, []);

  useEffect(() => {
    // Once: a second start would replace the secret the QR code on screen shows.
    if (started.current) return;
    started.current = true;
    begin();
  }, [begin]);

  if (done)
    return (
      <RecoveryCodesShownOnce
        codes={done.codes}
        username={me.username}
        continueLabel={doneLabel}
        heading={Heading}
        onDone={() => onDone(done.me)}
      />
    );

  return (
    <section className="enrolment" aria-labelledby={`${id}-h`} data-testid="enrolment">
      <Heading id={`${id}-h`}>{t('secondFactor.enrolTitle')}</Heading>
      <p className="lead">{t('secondFactor.enrolIntro')}</p>
      {startFailed !== null && (
        <div className="alert alert-error" role="alert">
          <p>{describeError(startFailed, t)}</p>
          <button type="button" className="button" onClick={begin}>
            {t('secondFactor.retry')}
          </button>
        </div>
      )}
      {!start && startFailed === null && <p role="status">{t('secondFactor.preparing')}</p>}
      {start && (
        <ol className="enrol-steps">
          <li>{t('secondFactor.stepApp')}</li>
          <li>
            {t('secondFactor.stepScan')}
            <img
              className="totp-qr"
              src={start.qrCode}
              alt={t('secondFactor.qrAlt')}
              width={200}
              height={200}
            />
            <p className="field-hint" id={`${id}-secret-hint`}>
              {t('secondFactor.secretHint')}
            </p>
            <p className="totp-secret mono" data-testid="totp-secret" aria-describedby={`${id}-secret-hint`}>
              {grouped(start.secret)}
            </p>
          </li>
          <li>
            <form ref={form.ref} className="form" noValidate onSubmit={onSubmit} data-testid="enrol-form">
              {message && (
                <div className="alert alert-error" role="alert">
                  <p>{message}</p>
                </div>
              )}
              <CodeField
                id={`${id}-code`}
                label={t('secondFactor.stepCode')}
                value={code}
                onChange={setCode}
                error={message}
              />
              <button type="submit" className="button button-primary" aria-disabled={pending || undefined}>
                {t('secondFactor.confirm')}
              </button>
              <p className="form-status" role="status">
                {pending ? t('secondFactor.checking') : ''}
              </p>
            </form>
          </li>
        </ol>
      )}
    </section>
  );
}

/**
 * After the password, when the second factor is still to come (docs/security.md "Second factor"): its code, or
 * setting it up first. The server opens nothing else to this session until then.
 */
export function SecondFactorPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  const signOut = useAuthStore((s) => s.signOut);
  const passed = useAuthStore((s) => s.secondFactorPassed);
  useUserLocale(me.locale);

  const onPassed = (full: Me) => {
    passed(full);
    if (!full.mustChangePassword) navigateHome(full.role);
  };

  return (
    <SignedOutPage
      title={me.next === 'enrol' ? t('secondFactor.enrolTitle') : t('secondFactor.codeTitle')}
      card={me.next === 'enrol' ? 'card sign-in-card enrol-card' : 'card sign-in-card'}
    >
      <p className="muted">
        {me.displayName} <span className="mono">({me.username})</span>
      </p>
      {me.next === 'enrol' ? (
        <Enrolment me={me} heading="h1" onDone={onPassed} doneLabel={t('secondFactor.continue')} />
      ) : (
        <CodeStep onPassed={onPassed} />
      )}
      <button type="button" className="button sign-out-pending" onClick={() => void signOut()}>
        {t('auth.signOut')}
      </button>
    </SignedOutPage>
  );
}
