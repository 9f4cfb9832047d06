import { z } from 'zod';
import { LocalizedText } from '../i18n/locales';

const Id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}$/);

export const TaxonomyOption = z
  .object({
    id: Id,
    label: LocalizedText,
    /** Kept for reading old records, not offered for new ones. */
    retired: z.boolean().optional(),
    /** Mappings to international classifications (GBVIMS core types, Child Helpline International). */
    maps: z.object({ gbvims: z.string().optional(), chi: z.string().optional() }).optional(),
  })
  .strict();
export type TaxonomyOption = z.infer<typeof TaxonomyOption>;

const Options = z.array(TaxonomyOption).min(1);

export const Taxonomy = z
  .object({
    version: z.string().min(1).max(32),
    channels: Options,
    contactKinds: z.array(TaxonomyOption.extend({ data: z.boolean() })).min(1),
    callerRoles: Options,
    genders: Options,
    ageBands: Options,
    regions: Options,
    settlements: Options,
    disabilityTypes: Options,
    languages: Options,
    violenceForms: z.array(TaxonomyOption.extend({ group: z.enum(['violence', 'trafficking']) })).min(1),
    perpetratorRelations: Options,
    services: Options,
    safetyPlan: z.array(z.object({ id: Id, label: LocalizedText, items: Options }).strict()).min(1),
  })
  .strict()
  .meta({ id: 'Taxonomy' });
export type Taxonomy = z.infer<typeof Taxonomy>;

/**
 * Urban or rural: the taxonomy's `settlements`, a fixed classification (as national statistics count it) that
 * every taxonomy version keeps. A referral sends only one of these, never text someone typed.
 */
export const SETTLEMENTS = ['urban', 'rural', 'unknown'] as const;
export const Settlement = z.enum(SETTLEMENTS);
export type Settlement = z.infer<typeof Settlement>;

/** The option lists of a taxonomy that a consultation field draws from. */
export type TaxonomyList = Exclude<keyof Taxonomy, 'version' | 'safetyPlan'>;
