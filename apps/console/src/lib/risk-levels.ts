import type { Locale, Methodology } from '@korgon/domain';
import type { TFunction } from 'i18next';

const KNOWN = ['low', 'medium', 'high', 'critical'] as const;
type Known = (typeof KNOWN)[number];
const isKnown = (id: string): id is Known => (KNOWN as readonly string[]).includes(id);

/** A level's name: the methodology's own label when we have the document, else the console's word for it. */
export function levelName(id: string, locale: Locale, t: TFunction, m?: Methodology | null): string {
  const own = m?.levels.find((l) => l.id === id)?.label?.[locale];
  if (own) return own;
  return isKnown(id) ? t(`risk.levels.${id}`) : id;
}

/** For styling: the four known levels have colours; any other level looks like medium. */
export function levelClass(id: string): string {
  return `level-${isKnown(id) ? id : 'medium'}`;
}

export function itemText(m: Methodology | null, id: string, locale: Locale): string {
  return m?.items.find((i) => i.id === id)?.text[locale] ?? id;
}
