import { z } from 'zod';
import type { LocalizedText } from '../i18n/locales';

/** Referral target types of docs/domain.md §7. */
export const PARTNER_TYPES = [
  'police',
  'crisis_centre',
  'shelter',
  'single_window',
  'health',
  'social_protection',
  'child_protection',
  'legal_aid',
  'probation',
  'local_government',
  'anti_trafficking',
  'consulate',
] as const;
export const PartnerType = z.enum(PARTNER_TYPES);
export type PartnerType = z.infer<typeof PartnerType>;

export const PARTNER_TYPE_LABELS: Record<PartnerType, LocalizedText> = {
  police: { en: 'Police district office', ru: 'Районное отделение милиции', ky: 'Райондук милиция бөлүмү' },
  crisis_centre: { en: 'Crisis centre', ru: 'Кризисный центр', ky: 'Кризистик борбор' },
  shelter: { en: 'Shelter', ru: 'Убежище', ky: 'Баш калкалоочу жай' },
  single_window: { en: 'Single Window centre', ru: 'Центр «Единое окно»', ky: '«Бирдиктүү терезе» борбору' },
  health: { en: 'Health facility', ru: 'Медицинское учреждение', ky: 'Саламаттык сактоо мекемеси' },
  social_protection: {
    en: 'Social protection office',
    ru: 'Управление соцзащиты',
    ky: 'Социалдык коргоо бөлүмү',
  },
  child_protection: { en: 'Child protection', ru: 'Защита детей', ky: 'Балдарды коргоо' },
  legal_aid: { en: 'Legal aid', ru: 'Юридическая помощь', ky: 'Юридикалык жардам' },
  probation: { en: 'Probation', ru: 'Пробация', ky: 'Пробация' },
  local_government: { en: 'Local self-government', ru: 'Органы МСУ', ky: 'Жергиликтүү өз алдынча башкаруу' },
  anti_trafficking: {
    en: 'Anti-trafficking body / IOM',
    ru: 'Противодействие торговле людьми / МОМ',
    ky: 'Адам сатууга каршы орган / МУУ',
  },
  consulate: { en: 'Consulate', ru: 'Консульство', ky: 'Консулдук' },
};

export const DELIVERY_CHANNELS = ['webhook', 'email', 'portal'] as const;
export const DeliveryChannel = z.enum(DELIVERY_CHANNELS);
export type DeliveryChannel = z.infer<typeof DeliveryChannel>;
