import { z } from 'zod';

export const LOCALES = ['ky', 'ru', 'en'] as const;
export const Locale = z.enum(LOCALES);
export type Locale = z.infer<typeof Locale>;
export const DEFAULT_LOCALE: Locale = 'ky';

/** A label in the console's three languages. */
export const LocalizedText = z.object({
  ky: z.string().min(1),
  ru: z.string().min(1),
  en: z.string().min(1),
});
export type LocalizedText = z.infer<typeof LocalizedText>;
