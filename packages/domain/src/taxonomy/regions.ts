import type { LocalizedText } from '../i18n/locales';

/** Regions of docs/domain.md §4 (ISO 3166-2:KG), plus "unknown" and "abroad". */
export const REGIONS = [
  { id: 'KG-GB', label: { en: 'Bishkek City', ru: 'город Бишкек', ky: 'Бишкек шаары' } },
  { id: 'KG-GO', label: { en: 'Osh City', ru: 'город Ош', ky: 'Ош шаары' } },
  { id: 'KG-B', label: { en: 'Batken Region', ru: 'Баткенская область', ky: 'Баткен облусу' } },
  { id: 'KG-C', label: { en: 'Chüy Region', ru: 'Чуйская область', ky: 'Чүй облусу' } },
  { id: 'KG-J', label: { en: 'Jalal-Abad Region', ru: 'Джалал-Абадская область', ky: 'Жалал-Абад облусу' } },
  { id: 'KG-N', label: { en: 'Naryn Region', ru: 'Нарынская область', ky: 'Нарын облусу' } },
  { id: 'KG-O', label: { en: 'Osh Region', ru: 'Ошская область', ky: 'Ош облусу' } },
  { id: 'KG-T', label: { en: 'Talas Region', ru: 'Таласская область', ky: 'Талас облусу' } },
  { id: 'KG-Y', label: { en: 'Issyk-Kul Region', ru: 'Иссык-Кульская область', ky: 'Ысык-Көл облусу' } },
  { id: 'unknown', label: { en: 'Unknown', ru: 'Неизвестно', ky: 'Белгисиз' } },
  { id: 'abroad', label: { en: 'Abroad', ru: 'За рубежом', ky: 'Чет өлкөдө' } },
] as const satisfies readonly { id: string; label: LocalizedText }[];

export type RegionId = (typeof REGIONS)[number]['id'];
export const REGION_IDS = REGIONS.map((r) => r.id) as RegionId[];
/** The nine administrative regions where partners can be located. */
export const ADMIN_REGION_IDS = REGION_IDS.filter((r) => r.startsWith('KG-'));
