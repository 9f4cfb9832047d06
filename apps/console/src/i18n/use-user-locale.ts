import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';

/** After sign-in the user's own language wins, wherever it was changed. */
export function useUserLocale(locale: string): void {
  const { i18n } = useTranslation();
  useEffect(() => {
    if (i18n.language !== locale) void i18n.changeLanguage(locale);
  }, [i18n, locale]);
}
