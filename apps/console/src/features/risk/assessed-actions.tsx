import { assess, levelRank } from '@korgon/domain';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { type DraftController, useDraft } from '../../draft/draft-controller';
import { useCurrentLocale } from '../../i18n/language';
import { describeError } from '../../lib/describe-error';
import { levelClass, levelName } from '../../lib/risk-levels';
import { useMethodology } from './use-methodology';

const RETRY_MS = 3000;

/**
 * Where the safety plan starts: the actions the methodology recommends for the assessed level. The level is
 * the stored assessment's final one (so it follows a supervisor's sign-off); answers typed and not saved yet
 * count as they stand, a raise included.
 */
export function AssessedActions({ c }: { c: DraftController }) {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const savedRisk = useDraft(c, (s) => s.savedRisk);
  const riskDraft = useDraft(c, (s) => s.riskDraft);
  const ref = riskDraft
    ? { id: riskDraft.methodologyId, version: riskDraft.version }
    : savedRisk
      ? { id: savedRisk.methodologyId, version: savedRisk.methodologyVersion }
      : null;
  const { methodology: m, error, retry } = useMethodology(ref, ref !== null);
  // A failed read (a busy server, a dropped connection) is tried again by itself: the safety plan must not
  // lose its starting point for good because one request failed.
  useEffect(() => {
    if (error === null) return;
    const timer = setTimeout(retry, RETRY_MS);
    return () => clearTimeout(timer);
  }, [error, retry]);

  if (!ref) {
    return (
      <p className="alert alert-info" data-testid="assessed-actions-none">
        {t('safety.notAssessed')}
      </p>
    );
  }
  if (!m) {
    if (error === null) return null;
    return (
      <div className="alert alert-error" role="alert" data-testid="assessed-actions-error">
        <p>
          {t('risk.loadFailed')} {describeError(error, t)}
        </p>
        <button type="button" className="button button-small" onClick={retry}>
          {t('errors.retry')}
        </button>
      </div>
    );
  }
  let level: string;
  if (riskDraft) {
    const computed = assess(m, riskDraft.answers).level;
    const raised = riskDraft.override?.level;
    level = raised && levelRank(m, raised) > levelRank(m, computed) ? raised : computed;
  } else level = savedRisk?.finalLevel ?? '';
  const actions = m.actions[level] ?? [];

  return (
    <section className="assessed-actions" aria-labelledby="assessed-actions-h" data-testid="assessed-actions">
      <h3 id="assessed-actions-h">
        {t('safety.startFrom')}{' '}
        <span className={`level-badge ${levelClass(level)}`} data-level={level}>
          {levelName(level, locale, t, m)}
        </span>
      </h3>
      {riskDraft && <p className="field-hint">{t('safety.unsavedAssessment')}</p>}
      <ul data-testid="assessed-actions-list">
        {actions.map((a) => (
          <li key={a.id}>{a.text[locale]}</li>
        ))}
      </ul>
    </section>
  );
}
