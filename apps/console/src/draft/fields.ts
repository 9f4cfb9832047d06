import type { ConsultationData, ConsultationSecret, Locale, Taxonomy, TaxonomyList } from '@korgon/domain';
import type { TFunction } from 'i18next';
import { formatDateTime } from '../lib/format';

/** The part of a consultation the operator edits: the structured data and the sealed free text. */
export interface Draft {
  data: ConsultationData;
  secret: ConsultationSecret;
}

/** The form's sections, in conversation order; also the skip list. */
export const SECTIONS = [
  'contact',
  'caller',
  'survivor',
  'violence',
  'perpetrator',
  'children',
  'services',
  'safeContact',
  'consent',
  'followUp',
  'protectionOrder',
  'risk',
  'safetyPlan',
  'notes',
] as const;
export type SectionId = (typeof SECTIONS)[number];

export type FieldType =
  | { kind: 'option'; list: TaxonomyList }
  | { kind: 'options'; list: 'violenceForms' | 'services' }
  | { kind: 'ynu' }
  | { kind: 'consent' }
  | { kind: 'orderKind' }
  | { kind: 'time' }
  | { kind: 'date' }
  | { kind: 'datetime' }
  | { kind: 'bool' }
  | { kind: 'text' }
  | { kind: 'safetyPlan' };

const f = <P extends string>(path: P, section: SectionId, type: FieldType) => ({ path, section, type });

/** Every field, in form order. Paths are those of the server's issues (without "data.") and of the labels. */
export const FIELDS = [
  f('contactKind', 'contact', { kind: 'option', list: 'contactKinds' }),
  f('callerRole', 'caller', { kind: 'option', list: 'callerRoles' }),
  f('survivor.gender', 'survivor', { kind: 'option', list: 'genders' }),
  f('survivor.ageBand', 'survivor', { kind: 'option', list: 'ageBands' }),
  f('survivor.region', 'survivor', { kind: 'option', list: 'regions' }),
  f('survivor.settlement', 'survivor', { kind: 'option', list: 'settlements' }),
  f('survivor.disability', 'survivor', { kind: 'ynu' }),
  f('survivor.disabilityType', 'survivor', { kind: 'option', list: 'disabilityTypes' }),
  f('survivor.language', 'survivor', { kind: 'option', list: 'languages' }),
  f('violenceForms', 'violence', { kind: 'options', list: 'violenceForms' }),
  f('perpetrator.relation', 'perpetrator', { kind: 'option', list: 'perpetratorRelations' }),
  f('perpetrator.gender', 'perpetrator', { kind: 'option', list: 'genders' }),
  f('perpetrator.ageBand', 'perpetrator', { kind: 'option', list: 'ageBands' }),
  f('childrenAffected', 'children', { kind: 'ynu' }),
  f('servicesGiven', 'services', { kind: 'options', list: 'services' }),
  f('safeContact.safeToTalk', 'safeContact', { kind: 'ynu' }),
  f('safeContact.callbackFrom', 'safeContact', { kind: 'time' }),
  f('safeContact.callbackTo', 'safeContact', { kind: 'time' }),
  f('safeContact.voicemailAllowed', 'safeContact', { kind: 'ynu' }),
  f('secret.codeWord', 'safeContact', { kind: 'text' }),
  f('secret.ifCallDrops', 'safeContact', { kind: 'text' }),
  f('consent.referral', 'consent', { kind: 'consent' }),
  f('consent.statistics', 'consent', { kind: 'consent' }),
  f('followUp.agreed', 'followUp', { kind: 'bool' }),
  f('followUp.due', 'followUp', { kind: 'datetime' }),
  f('protectionOrder.has', 'protectionOrder', { kind: 'ynu' }),
  f('protectionOrder.issuedOn', 'protectionOrder', { kind: 'date' }),
  f('protectionOrder.kind', 'protectionOrder', { kind: 'orderKind' }),
  f('safetyPlan', 'safetyPlan', { kind: 'safetyPlan' }),
  f('secret.notes', 'notes', { kind: 'text' }),
] as const;
export type FieldDef = (typeof FIELDS)[number];
export type FieldPath = FieldDef['path'];

type Bag = Record<string, unknown>;

export function getField(d: Draft, path: FieldPath): unknown {
  const [head = '', tail] = path.split('.');
  if (head === 'secret') return (d.secret as Bag)[tail ?? ''];
  const value = (d.data as Bag)[head];
  return tail === undefined ? value : (value as Bag | undefined)?.[tail];
}

const isEmpty = (v: unknown) => v === undefined || v === null || v === '';

/** A copy with one field changed; an empty value removes an optional data field. */
export function setField(d: Draft, path: FieldPath, value: unknown): Draft {
  const [head = '', tail] = path.split('.');
  if (head === 'secret') return { ...d, secret: { ...d.secret, [tail ?? '']: value ?? '' } };
  const data = { ...(d.data as Bag) };
  if (tail === undefined) {
    if (isEmpty(value)) delete data[head];
    else data[head] = value;
  } else {
    const inner = { ...((data[head] as Bag | undefined) ?? {}) };
    if (isEmpty(value)) delete inner[tail];
    else inner[tail] = value;
    data[head] = inner;
  }
  return { ...d, data: data as ConsultationData };
}

/** A value in a form that compares equal whatever the order of a list or the absence of an empty text. */
function canonical(def: FieldDef, v: unknown): string {
  switch (def.type.kind) {
    case 'options':
      return JSON.stringify([...((v as string[] | undefined) ?? [])].sort());
    case 'safetyPlan':
      return JSON.stringify(
        Object.entries((v as Record<string, boolean> | undefined) ?? {})
          .filter(([, on]) => on)
          .map(([id]) => id)
          .sort(),
      );
    case 'bool':
      return v === true ? 'true' : 'false';
    case 'text':
      return typeof v === 'string' ? v : '';
    default:
      return isEmpty(v) ? '' : String(v);
  }
}

export function sameValue(def: FieldDef, a: unknown, b: unknown): boolean {
  return canonical(def, a) === canonical(def, b);
}

/** The fields whose values differ between two versions of a record. */
export function differingFields(a: Draft, b: Draft): FieldDef[] {
  return FIELDS.filter((def) => !sameValue(def, getField(a, def.path), getField(b, def.path)));
}

export function sameDraft(a: Draft, b: Draft): boolean {
  return differingFields(a, b).length === 0;
}

/** The field a server issue is about: "data.survivor.region" → survivor.region, "data.violenceForms.0" → violenceForms. */
export function fieldOfIssue(issuePath: string): FieldDef | undefined {
  const path = issuePath.replace(/^(body\.)?data\./, '');
  return FIELDS.find((def) => path === def.path || path.startsWith(`${def.path}.`));
}

/** The element id of a field's control (an input, a select, or a group's fieldset). */
export function fieldDomId(path: FieldPath): string {
  return `cf-${path.replace(/\./g, '-')}`;
}

/** Moves focus to a field: into a group, to its checked option or its first one. */
/**
 * Focuses a field: brought to the middle of the screen (going to a named problem), or by `nearest` only as far
 * as needed to show it (arriving on a form that opened at its top).
 */
export function focusField(path: FieldPath, opts: { scroll?: 'center' | 'nearest' } = {}): boolean {
  const el = document.getElementById(fieldDomId(path));
  if (!el) return false;
  const target =
    el instanceof HTMLFieldSetElement
      ? (el.querySelector<HTMLInputElement>('input:checked') ?? el.querySelector<HTMLInputElement>('input'))
      : el;
  target?.focus({ preventScroll: true });
  target?.scrollIntoView({ block: opts.scroll ?? 'center' });
  return Boolean(target);
}

export function optionLabel(
  taxonomy: Taxonomy | null,
  list: TaxonomyList,
  id: string,
  locale: Locale,
): string {
  const options = (taxonomy?.[list] ?? []) as { id: string; label: Record<Locale, string> }[];
  return options.find((o) => o.id === id)?.label[locale] ?? id;
}

export function safetyItemLabel(taxonomy: Taxonomy | null, id: string, locale: Locale): string {
  for (const section of taxonomy?.safetyPlan ?? []) {
    const item = section.items.find((i) => i.id === id);
    if (item) return item.label[locale];
  }
  return id;
}

/** "2026-11-25T14:05:00.000Z" → "2026-11-25T19:05" in this device's time zone, for a datetime-local input. */
export function toLocalInput(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}`;
}

export function fromLocalInput(value: string): string | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** A field's value as text, in the UI language, with the labels of the record's own taxonomy. */
export function showValue(
  def: FieldDef,
  value: unknown,
  ctx: { t: TFunction; locale: Locale; taxonomy: Taxonomy | null },
): string {
  const { t, locale, taxonomy } = ctx;
  const none = t('consultation.none');
  const type = def.type;
  switch (type.kind) {
    case 'option':
      return typeof value === 'string' && value ? optionLabel(taxonomy, type.list, value, locale) : none;
    case 'options': {
      const ids = (value as string[] | undefined) ?? [];
      return ids.length ? ids.map((id) => optionLabel(taxonomy, type.list, id, locale)).join(', ') : none;
    }
    case 'ynu':
      return value === 'yes' || value === 'no' || value === 'unknown' ? t(`consultation.ynu.${value}`) : none;
    case 'consent':
      return value === 'yes' || value === 'no' || value === 'not_asked'
        ? t(`consultation.consentValue.${value}`)
        : none;
    case 'orderKind':
      return value === 'temporary' || value === 'court' || value === 'other'
        ? t(`consultation.orderKind.${value}`)
        : none;
    case 'bool':
      return value === true ? t('consultation.ynu.yes') : t('consultation.ynu.no');
    case 'datetime':
      return typeof value === 'string' && value ? formatDateTime(value, locale) : none;
    case 'safetyPlan': {
      const ids = Object.entries((value as Record<string, boolean> | undefined) ?? {})
        .filter(([, on]) => on)
        .map(([id]) => safetyItemLabel(taxonomy, id, locale));
      return ids.length ? ids.join('; ') : none;
    }
    default:
      return typeof value === 'string' && value ? value : none;
  }
}
