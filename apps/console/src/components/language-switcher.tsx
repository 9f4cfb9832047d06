import type { Locale } from '@korgon/domain';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LANGUAGE_NAMES, LOCALES, rememberLocale, useCurrentLocale } from '../i18n/language';
import { useAuthStore } from '../lib/auth-store';

/**
 * Кыргызча / Русский / English. Before sign-in the choice is kept on this device;
 * after sign-in it is saved to the user's profile on the server.
 */
export function LanguageSwitcher() {
  const { t, i18n } = useTranslation();
  const current = useCurrentLocale();
  const signedIn = useAuthStore((s) => s.status === 'signed-in');
  const changeLocale = useAuthStore((s) => s.changeLocale);
  const [failed, setFailed] = useState(false);

  async function choose(locale: Locale) {
    setFailed(false);
    if (locale === current) return;
    if (!signedIn) {
      rememberLocale(locale);
      await i18n.changeLanguage(locale);
      return;
    }
    try {
      await changeLocale(locale);
    } catch {
      setFailed(true);
    }
  }

  return (
    <div className="language-switcher">
      <fieldset className="segmented" data-testid="language-switcher">
        <legend className="sr-only">{t('language.label')}</legend>
        {LOCALES.map((locale) => (
          <button
            key={locale}
            type="button"
            lang={locale}
            aria-pressed={locale === current}
            onClick={() => void choose(locale)}
          >
            {LANGUAGE_NAMES[locale]}
          </button>
        ))}
      </fieldset>
      {failed && (
        <p className="inline-error" role="alert">
          {t('language.saveFailed')}
        </p>
      )}
    </div>
  );
}
