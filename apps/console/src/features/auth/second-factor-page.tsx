import type { EnrolmentStart, Me } from '@korgon/domain';
import type { TFunction } from 'i18next';
import { type FormEvent, useCallback, useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { TextField } from '../../components/field';
import { ApiError } from '../../lib/api';
import { describeError } from '../../lib/describe-error';
import { LanguageSwitcher } from '../shell/language-switcher';
import { navigateHome } from '../shell/route';
import { SkipLink } from '../shell/skip-link';
import { useUserLocale } from '../shell/use-user-locale';
import { authApi } from './auth-api';
import { useAuthStore } from './auth-store';
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
  const form = useRef<HTMLFormElement>(null);
  const [recovery, setRecovery] = useState(false);
  const [code, setCode] = useState('');
  const [pending, setPending] = useState(false);
  const [problem, setProblem] = useState<unknown>(null);
  const [empty, setEmpty] = useState(false);
  const message = empty
    ? recovery
      ? t('secondFactor.enterRecovery')
      : t('secondFactor.enterCode')
    : problem
      ? codeErrorMessage(problem, t)
      : undefined;

  useEffect(() => {
    if (problem || empty) form.current?.querySelector<HTMLElement>('input')?.focus();
  }, [problem, empty]);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (pending) return;
    if (code.trim() === '') {
      setEmpty(true);
      return;
    }
    setEmpty(false);
    setPending(true);
    setProblem(null);
    try {
      onPassed(await authApi.verifySecondFactor(code.trim()));
    } catch (error) {
      setCode('');
      setProblem(error);
      setPending(false);
    }
  }

  return (
    <>
      <h1>{t('secondFactor.codeTitle')}</h1>
      <p className="lead">{recovery ? t('secondFactor.recoveryIntro') : t('secondFactor.codeIntro')}</p>
      <form ref={form} className="form sign-in-form" noValidate onSubmit={onSubmit} data-testid="totp-form">
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
          setCode('');
          setProblem(null);
          setEmpty(false);
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
  const form = useRef<HTMLFormElement>(null);
  const [start, setStart] = useState<EnrolmentStart | null>(null);
  const [startFailed, setStartFailed] = useState<unknown>(null);
  const [code, setCode] = useState('');
  const [pending, setPending] = useState(false);
  const [problem, setProblem] = useState<unknown>(null);
  const [empty, setEmpty] = useState(false);
  const [done, setDone] = useState<{ codes: string[]; me: Me } | null>(null);
  const message = empty ? t('secondFactor.enterCode') : problem ? codeErrorMessage(problem, t) : undefined;

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

  useEffect(() => {
    if (problem || empty) form.current?.querySelector<HTMLElement>('input')?.focus();
  }, [problem, empty]);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (pending) return;
    if (code.trim() === '') {
      setEmpty(true);
      return;
    }
    setEmpty(false);
    setPending(true);
    setProblem(null);
    try {
      const answer = await authApi.confirmEnrolment(code.trim());
      setDone({ codes: answer.recoveryCodes, me: answer.me });
    } catch (error) {
      setCode('');
      setProblem(error);
    } finally {
      setPending(false);
    }
  }

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
            <form ref={form} className="form" noValidate onSubmit={onSubmit} data-testid="enrol-form">
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

  useEffect(() => {
    document.title = `${me.next === 'enrol' ? t('secondFactor.enrolTitle') : t('secondFactor.codeTitle')} · ${t('app.name')}`;
  }, [t, me.next]);

  const onPassed = (full: Me) => {
    passed(full);
    if (!full.mustChangePassword) navigateHome(full.role);
  };

  return (
    <div className="sign-in-layout">
      <SkipLink />
      <header className="sign-in-header">
        <p className="brand">{t('app.name')}</p>
        <LanguageSwitcher />
      </header>
      <main id="main" className="sign-in-main" tabIndex={-1}>
        <div className={me.next === 'enrol' ? 'card sign-in-card enrol-card' : 'card sign-in-card'}>
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
        </div>
      </main>
    </div>
  );
}
