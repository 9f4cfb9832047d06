import type { SecondFactorStatus } from '@korgon/domain';
import { useCallback, useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { TextField } from '../../components/field';
import { useCurrentLocale } from '../../i18n/language';
import { authApi } from '../../lib/auth-api';
import { describeError } from '../../lib/describe-error';
import { formatDate } from '../../lib/format';
import { RecoveryCodesShownOnce } from './recovery-codes';
import { Enrolment, useCodeForm } from './second-factor-page';

/**
 * My second factor: when it was set up and how many recovery codes are left; new recovery codes for a current
 * code (the old ones stop working); and, for a role that does not need one, setting it up by choice.
 */
export function SecondFactorPanel({ username }: { username: string }) {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const id = useId();
  const [status, setStatus] = useState<SecondFactorStatus | null>(null);
  const [loadFailed, setLoadFailed] = useState<unknown>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [enrolling, setEnrolling] = useState(false);

  const load = useCallback(() => {
    setLoadFailed(null);
    authApi.secondFactorStatus().then(setStatus, setLoadFailed);
  }, []);
  useEffect(load, [load]);

  const { form, message, code, setCode, onSubmit } = useCodeForm(
    async (code) => {
      setCodes((await authApi.regenerateRecoveryCodes(code)).recoveryCodes);
      form.reset({ code: '' });
    },
    (t) => t('secondFactor.enterCode'),
  );
  const pending = form.pending;

  return (
    <section className="panel" aria-labelledby={`${id}-title`} data-testid="second-factor-panel">
      <h2 id={`${id}-title`}>{t('secondFactor.accountTitle')}</h2>
      {loadFailed !== null && (
        <div className="alert alert-error" role="alert">
          <p>{describeError(loadFailed, t)}</p>
          <button type="button" className="button button-small" onClick={load}>
            {t('errors.retry')}
          </button>
        </div>
      )}
      {status && !status.enrolled && !enrolling && (
        <>
          <p className="second-factor-status">{t('secondFactor.accountNotEnrolled')}</p>
          <p className="muted">
            {status.required ? t('secondFactor.accountRequired') : t('secondFactor.accountOptional')}
          </p>
          {!status.required && (
            <button type="button" className="button" onClick={() => setEnrolling(true)}>
              {t('secondFactor.setUp')}
            </button>
          )}
        </>
      )}
      {enrolling && (
        <Enrolment
          me={{ username }}
          heading="h3"
          doneLabel={t('secondFactor.done')}
          onDone={() => {
            setEnrolling(false);
            load();
          }}
        />
      )}
      {status?.enrolled && (
        <>
          <p className="second-factor-status">
            {status.enrolledAt &&
              t('secondFactor.accountEnrolled', { date: formatDate(status.enrolledAt, locale) })}{' '}
            {t('secondFactor.codesLeft', { count: status.recoveryCodesLeft })}
          </p>
          {status.recoveryCodesLeft <= 3 && !codes && (
            <p className="alert alert-warning">{t('secondFactor.lowCodes')}</p>
          )}
          {codes ? (
            <RecoveryCodesShownOnce
              codes={codes}
              username={username}
              heading="h3"
              continueLabel={t('secondFactor.done')}
              onDone={() => {
                setCodes(null);
                load();
              }}
            />
          ) : (
            <>
              <h3>{t('secondFactor.regenerateTitle')}</h3>
              <p className="muted">{t('secondFactor.regenerateIntro')}</p>
              <form
                ref={form.ref}
                className="form form-grid"
                noValidate
                onSubmit={onSubmit}
                data-testid="regenerate-form"
              >
                {message && (
                  <p className="alert alert-error form-wide" role="alert">
                    {message}
                  </p>
                )}
                <TextField
                  id={`${id}-code`}
                  name="one-time-code"
                  label={t('secondFactor.codeLabel')}
                  inputMode="numeric"
                  autoComplete="one-time-code"
                  pattern="[0-9]*"
                  maxLength={6}
                  className="code-input mono"
                  value={code}
                  onChange={(e) => setCode(e.target.value.replace(/\s/g, ''))}
                  error={message}
                />
                <div className="form-actions form-wide">
                  <button type="submit" className="button" aria-disabled={pending || undefined}>
                    {t('secondFactor.regenerate')}
                  </button>
                  <p className="form-status" role="status">
                    {pending ? t('secondFactor.regenerating') : ''}
                  </p>
                </div>
              </form>
            </>
          )}
        </>
      )}
    </section>
  );
}
