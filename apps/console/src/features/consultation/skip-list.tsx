import { useTranslation } from 'react-i18next';
import { SECTIONS } from '../../draft/fields';
import { focusSection } from './form-controls';

/** Links to every section (buttons: the router owns the hash), so a long form is crossed in a keystroke or two. */
export function SkipList() {
  const { t } = useTranslation();
  return (
    <nav className="skip-list" aria-label={t('consultation.sectionsNav')} data-testid="section-links">
      <ul>
        {SECTIONS.map((s) => (
          <li key={s}>
            <button type="button" className="link-button" onClick={() => focusSection(s)}>
              {t(`consultation.section.${s}`)}
            </button>
          </li>
        ))}
        <li>
          <button type="button" className="link-button" onClick={() => focusSection('referrals')}>
            {t('referrals.title')}
          </button>
        </li>
        <li>
          <button type="button" className="link-button" onClick={() => focusSection('finalize')}>
            {t('finalize.title')}
          </button>
        </li>
      </ul>
    </nav>
  );
}
