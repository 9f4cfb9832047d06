import {
  type Locale,
  REFERRAL_FIELDS,
  type ReferralContent,
  type ReferralField,
  type Taxonomy,
} from '@korgon/domain';
import type { TFunction } from 'i18next';
import { optionLabel } from '../../draft/fields';
import { levelName } from '../../lib/risk-levels';

export interface ContentRow {
  field: ReferralField;
  label: string;
  /** One line, or several (the safe-contact window). Empty: chosen, but nothing recorded to send. */
  lines: string[];
}

interface Ctx {
  t: TFunction;
  locale: Locale;
  taxonomy: Taxonomy | null;
}

const ynu = (v: string | undefined, t: TFunction) =>
  v === 'yes' || v === 'no' || v === 'unknown' ? t(`consultation.ynu.${v}`) : (v ?? '');

function linesOf(field: ReferralField, c: ReferralContent, { t, locale, taxonomy }: Ctx): string[] {
  switch (field) {
    case 'region':
      return c.region ? [optionLabel(taxonomy, 'regions', c.region, locale)] : [];
    case 'settlement':
      return c.settlement ? [optionLabel(taxonomy, 'settlements', c.settlement, locale)] : [];
    case 'ageBand':
      return c.ageBand ? [optionLabel(taxonomy, 'ageBands', c.ageBand, locale)] : [];
    case 'gender':
      return c.gender ? [optionLabel(taxonomy, 'genders', c.gender, locale)] : [];
    case 'language':
      return c.language ? [optionLabel(taxonomy, 'languages', c.language, locale)] : [];
    case 'violenceForms':
      return c.violenceForms?.length
        ? [c.violenceForms.map((id) => optionLabel(taxonomy, 'violenceForms', id, locale)).join(', ')]
        : [];
    case 'childrenAffected':
      return c.childrenAffected ? [ynu(c.childrenAffected, t)] : [];
    case 'riskLevel':
      return c.riskLevel ? [levelName(c.riskLevel, locale, t)] : [];
    case 'safeContact': {
      const s = c.safeContact ?? {};
      const out: string[] = [];
      if (s.safeToTalk) out.push(t('referrals.safe.safeToTalk', { value: ynu(s.safeToTalk, t) }));
      if (s.callbackFrom && s.callbackTo)
        out.push(t('referrals.safe.window', { from: s.callbackFrom, to: s.callbackTo }));
      else if (s.callbackFrom) out.push(t('referrals.safe.from', { from: s.callbackFrom }));
      else if (s.callbackTo) out.push(t('referrals.safe.to', { to: s.callbackTo }));
      if (s.voicemailAllowed) out.push(t('referrals.safe.voicemail', { value: ynu(s.voicemailAllowed, t) }));
      return out;
    }
    case 'message':
      return c.message ? [c.message] : [];
  }
}

/** The content in field order, with every value in the reader's language. */
export function contentRows(c: ReferralContent, ctx: Ctx, chosen?: readonly string[]): ContentRow[] {
  const fields = REFERRAL_FIELDS.filter((f) => (chosen ? chosen.includes(f) : c[f] !== undefined));
  return fields.map((field) => ({
    field,
    label: ctx.t(`referrals.field.${field}`),
    lines: linesOf(field, c, ctx),
  }));
}
