import type { OperatorsPolicy, SecondFactorPolicy } from '@korgon/domain';
import { type FormEvent, useCallback, useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useCurrentLocale } from '../../i18n/language';
import { describeError } from '../../lib/describe-error';
import { formatDateTime } from '../../lib/format';
import { usersApi } from './users-api';

/**
 * The operators' second-factor policy (docs/security.md "Second factor"): required (every operator sets one up
 * at the next sign-in) or optional. Supervisors, managers, administrators and partners always need one.
 */
export function SecondFactorPolicyPanel() {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const id = useId();
  const [policy, setPolicy] = useState<SecondFactorPolicy | null>(null);
  const [choice, setChoice] = useState<OperatorsPolicy>('optional');
  const [loadFailed, setLoadFailed] = useState<unknown>(null);
  const [pending, setPending] = useState(false);
  const [failed, setFailed] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);

  const load = useCallback(() => {
    setLoadFailed(null);
    usersApi.secondFactorPolicy().then((p) => {
      setPolicy(p);
      setChoice(p.operators);
    }, setLoadFailed);
  }, []);
  useEffect(load, [load]);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (pending) return;
    setPending(true);
    setFailed(null);
    setSaved(false);
    try {
      const p = await usersApi.setSecondFactorPolicy(choice);
      setPolicy(p);
      setSaved(true);
    } catch (error) {
      setFailed(error);
    } finally {
      setPending(false);
    }
  }

  return (
    <section className="panel" aria-labelledby={`${id}-title`} data-testid="second-factor-policy">
      <h2 id={`${id}-title`}>{t('secondFactor.policyTitle')}</h2>
      {loadFailed !== null && (
        <div className="alert alert-error" role="alert">
          <p>{describeError(loadFailed, t)}</p>
          <button type="button" className="button button-small" onClick={load}>
            {t('errors.retry')}
          </button>
        </div>
      )}
      {!policy && loadFailed === null && <p role="status">{t('secondFactor.policyLoading')}</p>}
      {policy && (
        <form className="form" noValidate onSubmit={onSubmit}>
          <fieldset className="field">
            <legend>{t('secondFactor.policyIntro')}</legend>
            {(['optional', 'required'] as const).map((value) => (
              <label key={value} className="choice">
                <input
                  type="radio"
                  name={`${id}-operators`}
                  value={value}
                  checked={choice === value}
                  onChange={() => {
                    setChoice(value);
                    setSaved(false);
                  }}
                />
                <span>
                  {value === 'required' ? t('secondFactor.policyRequired') : t('secondFactor.policyOptional')}
                </span>
              </label>
            ))}
          </fieldset>
          {policy.updatedAt && (
            <p className="muted">
              {t('secondFactor.policyUpdated', { date: formatDateTime(policy.updatedAt, locale) })}
            </p>
          )}
          {failed !== null && (
            <p className="alert alert-error" role="alert">
              {describeError(failed, t)}
            </p>
          )}
          <div className="form-actions">
            <button type="submit" className="button button-primary" aria-disabled={pending || undefined}>
              {t('secondFactor.policySave')}
            </button>
            <p className="form-status" role="status">
              {pending ? t('secondFactor.policySaving') : saved ? t('secondFactor.policySaved') : ''}
            </p>
          </div>
        </form>
      )}
    </section>
  );
}
