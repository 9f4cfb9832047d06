import { z } from 'zod';
import { LocalizedText } from '../i18n/locales';
import { PartnerType } from '../partners/types';

/**
 * A risk-assessment methodology is data (docs/domain.md §5): items, weights, levels, floors and actions. Loading
 * the official annex of Resolution 417 later must need no code change, so every rule lives in the document
 * and this schema refuses documents whose rules do not hold together.
 */
export type Condition = string | { any: Condition[] } | { all: Condition[] };
export const Condition: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z.string().min(1),
    z.object({ any: z.array(Condition).min(1) }).strict(),
    z.object({ all: z.array(Condition).min(1) }).strict(),
  ]),
);

const Id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, 'must be lower-case letters, digits, _ . - (at most 64)');

export const MethodologyItem = z
  .object({
    id: Id,
    text: LocalizedText,
    weight: z.number().finite().min(0, 'must be 0 or more'),
    redFlag: z.boolean().optional(),
    immediate: z.boolean().optional(),
    /** A protocol the console opens on "yes" (e.g. suicide). */
    opens: z.string().optional(),
  })
  .strict();

export const MethodologyLevel = z
  .object({ id: Id, minScore: z.number().finite().min(0).optional(), label: LocalizedText.optional() })
  .strict();

export const MethodologyAction = z
  .object({
    id: Id,
    text: LocalizedText,
    /** Partner types a referral should go to when this action is taken. */
    referTo: z.array(PartnerType).optional(),
    /**
     * A timed action ("follow-up within 24 hours"): finalizing a consultation assessed at this level makes a
     * follow-up due this many hours later (docs/domain.md §10). Data, so a methodology sets its own timings.
     */
    followUpHours: z
      .number()
      .positive()
      .max(24 * 90)
      .optional(),
  })
  .strict();

export const Methodology = z
  .object({
    id: Id,
    version: z.string().min(1).max(32),
    title: LocalizedText,
    items: z.array(MethodologyItem).min(1),
    levels: z.array(MethodologyLevel).min(2),
    floors: z
      .array(z.object({ when: Condition, atLeast: z.string(), label: LocalizedText.optional() }).strict())
      .default([]),
    actions: z.record(z.string(), z.array(MethodologyAction)),
  })
  .strict()
  .superRefine((m, ctx) => {
    const items = new Set<string>();
    m.items.forEach((item, i) => {
      if (items.has(item.id))
        ctx.addIssue({ code: 'custom', path: ['items', i, 'id'], message: `duplicate item id "${item.id}"` });
      items.add(item.id);
    });
    const levels = m.levels.map((l) => l.id);
    const last = m.levels.at(-1);
    if (last?.id !== 'critical')
      ctx.addIssue({
        code: 'custom',
        path: ['levels', m.levels.length - 1, 'id'],
        message: 'the last level must be "critical"',
      });
    if (last?.minScore !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['levels', m.levels.length - 1, 'minScore'],
        message: 'the critical level has no minScore: only immediate dangers and floors reach it',
      });
    m.levels.slice(0, -1).forEach((l, i) => {
      if (l.minScore === undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['levels', i, 'minScore'],
          message: `level "${l.id}" needs a minScore`,
        });
      const prev = m.levels[i - 1]?.minScore;
      if (i > 0 && l.minScore !== undefined && prev !== undefined && l.minScore <= prev) {
        ctx.addIssue({
          code: 'custom',
          path: ['levels', i, 'minScore'],
          message: 'minScores must increase from level to level',
        });
      }
      if (levels.indexOf(l.id) !== i)
        ctx.addIssue({ code: 'custom', path: ['levels', i, 'id'], message: `duplicate level id "${l.id}"` });
    });
    if (m.levels[0]?.minScore !== 0)
      ctx.addIssue({
        code: 'custom',
        path: ['levels', 0, 'minScore'],
        message: 'the first level starts at minScore 0',
      });
    const checkCondition = (c: Condition, path: (string | number)[]) => {
      if (typeof c === 'string') {
        if (!items.has(c)) ctx.addIssue({ code: 'custom', path, message: `unknown item id "${c}"` });
        return;
      }
      const [key, list] = 'any' in c ? (['any', c.any] as const) : (['all', c.all] as const);
      for (const [i, sub] of list.entries()) checkCondition(sub, [...path, key, i]);
    };
    m.floors.forEach((f, i) => {
      checkCondition(f.when, ['floors', i, 'when']);
      if (!levels.includes(f.atLeast))
        ctx.addIssue({
          code: 'custom',
          path: ['floors', i, 'atLeast'],
          message: `unknown level "${f.atLeast}"`,
        });
    });
    for (const key of Object.keys(m.actions)) {
      if (!levels.includes(key))
        ctx.addIssue({
          code: 'custom',
          path: ['actions', key],
          message: `actions for unknown level "${key}"`,
        });
    }
    for (const level of levels) {
      if (!(level in m.actions))
        ctx.addIssue({ code: 'custom', path: ['actions'], message: `no actions for level "${level}"` });
    }
  })
  .meta({ id: 'Methodology' });
export type Methodology = z.infer<typeof Methodology>;

/** A methodology's actions by level: what a stored assessment's methodology version is read as. */
export const MethodologyActions = z.record(z.string(), z.array(MethodologyAction));
export type MethodologyActions = z.infer<typeof MethodologyActions>;

/**
 * The partner types a methodology's actions call for at a level (e.g. high: police, crisis centre, shelter),
 * each once, in the actions' order. Read from the methodology version the assessment was made with: another
 * version may call for other partners at the same level.
 */
export function partnerTypesCalledFor(actions: MethodologyActions, level: string | null): PartnerType[] {
  if (!level) return [];
  return [...new Set((actions[level] ?? []).flatMap((a) => a.referTo ?? []))];
}

export const Answer = z.enum(['yes', 'no', 'unknown']);
export type Answer = z.infer<typeof Answer>;
export const Answers = z.record(z.string(), Answer);
export type Answers = z.infer<typeof Answers>;

export const AssessmentResult = z
  .object({
    score: z.number(),
    level: z.string(),
    reasons: z.array(
      z.union([
        z.object({ kind: z.literal('score'), score: z.number(), level: z.string() }),
        z.object({
          kind: z.literal('floor'),
          floor: z.number().int(),
          atLeast: z.string(),
          items: z.array(z.string()),
          label: LocalizedText.optional(),
        }),
        z.object({ kind: z.literal('immediate'), item: z.string() }),
      ]),
    ),
    unanswered: z.array(z.string()),
    actions: z.array(MethodologyAction),
    minimumLevel: z.string(),
  })
  .meta({ id: 'AssessmentResult' });
