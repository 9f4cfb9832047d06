import { LOCALES } from '@korgon/domain';
import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { storedLocale } from './language';
import en from './locales/en.json';
import ky from './locales/ky.json';
import ru from './locales/ru.json';

/** Every language must carry every key of the English file (Russian adds plural forms of its own). */
type Messages = typeof en;
const resources = {
  ky: { translation: ky satisfies Messages },
  ru: { translation: ru satisfies Messages },
  en: { translation: en satisfies Messages },
};

export const i18n = i18next.createInstance();

i18n.on('languageChanged', (language) => {
  document.documentElement.lang = language;
});

void i18n.use(initReactI18next).init({
  resources,
  lng: storedLocale(),
  fallbackLng: 'en',
  supportedLngs: [...LOCALES],
  interpolation: { escapeValue: false },
  initAsync: false,
  returnNull: false,
  react: { useSuspense: false },
});
