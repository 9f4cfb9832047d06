import { DEFAULT_LOCALE, LOCALES, Locale } from '@korgon/domain';
import { useTranslation } from 'react-i18next';

/** Each language is named in itself, so anyone can find their own. */
export const LANGUAGE_NAMES: Record<Locale, string> = { ky: 'Кыргызча', ru: 'Русский', en: 'English' };
export { LOCALES };

const STORAGE_KEY = 'korgon.locale';

/** The language chosen on this device before sign-in; after sign-in the user's own setting wins. */
export function storedLocale(): Locale {
  try {
    const parsed = Locale.safeParse(window.localStorage.getItem(STORAGE_KEY));
    return parsed.success ? parsed.data : DEFAULT_LOCALE;
  } catch {
    return DEFAULT_LOCALE;
  }
}

export function rememberLocale(locale: Locale): void {
  try {
    window.localStorage.setItem(STORAGE_KEY, locale);
  } catch {
    // Storage can be disabled (private mode); the choice then lasts until the page is closed.
  }
}

export function toLocale(language: string | undefined): Locale {
  const parsed = Locale.safeParse(language);
  return parsed.success ? parsed.data : DEFAULT_LOCALE;
}

/** The language the console shows now. */
export function useCurrentLocale(): Locale {
  const { i18n } = useTranslation();
  return toLocale(i18n.resolvedLanguage ?? i18n.language);
}
