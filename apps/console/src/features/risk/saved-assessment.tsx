import type { Methodology, RiskRecord } from '@korgon/domain';
import { useTranslation } from 'react-i18next';
import { useCurrentLocale } from '../../i18n/language';
import { formatDateTime } from '../../lib/format';
import { itemText, levelClass, levelName } from '../../lib/risk-levels';

/** A stored assessment as the server holds it, with its own methodology version and any override's state. */
export function SavedAssessment({
  saved,
  methodology,
  showAnswers = false,
}: {
  saved: RiskRecord;
  methodology: Methodology | null;
  showAnswers?: boolean;
}) {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const m = methodology && methodology.version === saved.methodologyVersion ? methodology : null;
  const name = (id: string) => levelName(id, locale, t, m);
  const o = saved.override;
  // In the questionnaire's order when the document is at hand.
  const order = (id: string) => m?.items.findIndex((i) => i.id === id) ?? 0;
  const yes = Object.entries(saved.answers)
    .filter(([, a]) => a === 'yes')
    .map(([id]) => id)
    .sort((a, b) => order(a) - order(b));

  return (
    <section className="risk-saved" aria-labelledby="risk-saved-h" data-testid="risk-saved">
      <h3 id="risk-saved-h">{t('risk.saved.title')}</h3>
      <dl className="facts">
        <dt>{t('risk.saved.level')}</dt>
        <dd>
          <span className={`level-badge ${levelClass(saved.finalLevel)}`} data-testid="risk-saved-level">
            {name(saved.finalLevel)}
          </span>
        </dd>
        <dt>{t('risk.saved.computed')}</dt>
        <dd>{t('risk.saved.computedValue', { level: name(saved.computedLevel), score: saved.score })}</dd>
        <dt>{t('risk.saved.methodology')}</dt>
        <dd data-testid="risk-saved-methodology">
          {m ? `${m.title[locale]} · ` : ''}
          {t('risk.version', { id: saved.methodologyId, version: saved.methodologyVersion })}
        </dd>
        <dt>{t('risk.saved.at')}</dt>
        <dd>{formatDateTime(saved.createdAt, locale)}</dd>
      </dl>
      {o && (
        <p
          className={`alert ${o.status === 'pending_sign_off' ? 'alert-warning' : o.status === 'refused' ? 'alert-error' : 'alert-info'}`}
          data-testid="risk-override-status"
          aria-live="polite"
        >
          {o.status === 'applied' &&
            t('risk.override.applied', { level: name(o.level), name: o.by.displayName, reason: o.reason })}
          {o.status === 'pending_sign_off' &&
            t('risk.override.pending', { level: name(o.level), reason: o.reason })}
          {o.status === 'signed' &&
            t('risk.override.signed', { level: name(o.level), name: o.signedBy?.displayName ?? '' })}
          {o.status === 'refused' &&
            t('risk.override.refused', {
              level: name(o.level),
              name: o.signedBy?.displayName ?? '',
              final: name(saved.finalLevel),
            })}
          {o.signOffNote ? ` ${t('risk.override.note', { note: o.signOffNote })}` : ''}
        </p>
      )}
      {showAnswers && (
        <>
          <h4>{t('risk.saved.yesAnswers')}</h4>
          {yes.length ? (
            <ul data-testid="risk-saved-yes">
              {yes.map((id) => (
                <li key={id}>{itemText(m, id, locale)}</li>
              ))}
            </ul>
          ) : (
            <p className="muted">{t('consultation.none')}</p>
          )}
        </>
      )}
    </section>
  );
}
