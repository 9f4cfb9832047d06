import type { ReferralContent, Taxonomy } from '@korgon/domain';
import { useTranslation } from 'react-i18next';
import { useCurrentLocale } from '../../i18n/language';
import { contentRows } from './content';

/**
 * A referral's content, label by label in the reader's language. With `chosen`, every chosen field is listed,
 * and one with nothing recorded says that nothing of it goes out.
 */
export function ReferralContentView({
  content,
  taxonomy,
  chosen,
  testId,
}: {
  content: ReferralContent;
  taxonomy: Taxonomy | null;
  chosen?: readonly string[];
  testId?: string;
}) {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const rows = contentRows(content, { t, locale, taxonomy }, chosen);
  if (rows.length === 0)
    return (
      <p className="muted" data-testid={testId}>
        {t('referrals.contentEmpty')}
      </p>
    );
  return (
    <dl className="facts referral-content" data-testid={testId}>
      {rows.map((r) => (
        <div key={r.field} className="fact" data-testid={`content-${r.field}`} data-field={r.field}>
          <dt>{r.label}</dt>
          <dd>
            {r.lines.length === 0 ? (
              <span className="muted">{t('referrals.notRecorded')}</span>
            ) : r.lines.length === 1 ? (
              r.lines[0]
            ) : (
              <ul className="plain-list">
                {r.lines.map((line) => (
                  <li key={line}>{line}</li>
                ))}
              </ul>
            )}
          </dd>
        </div>
      ))}
    </dl>
  );
}
