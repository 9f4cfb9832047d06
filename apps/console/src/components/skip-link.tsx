import { useTranslation } from 'react-i18next';

/** First stop for keyboard users. A button, not a #main link: the router owns the hash. */
export function SkipLink() {
  const { t } = useTranslation();
  return (
    <button type="button" className="skip-link" onClick={() => document.getElementById('main')?.focus()}>
      {t('app.skipToContent')}
    </button>
  );
}
