import type { LocalizedText } from '../i18n/locales';
import type { Answers, Condition, Methodology } from './methodology';

export type Reason =
  | { kind: 'score'; score: number; level: string }
  | { kind: 'floor'; floor: number; atLeast: string; items: string[]; label?: LocalizedText }
  | { kind: 'immediate'; item: string };

export interface Assessment {
  /** Sum of the weights of the items answered "yes". */
  score: number;
  /** The level: by score, raised by every floor that holds, critical on any immediate danger. */
  level: string;
  /** What decided the level: the score band, each floor that held, each immediate danger. */
  reasons: Reason[];
  /** Items not yet answered, or answered "unknown" (they score 0 but are still to ask). */
  unanswered: string[];
  /** The level's recommended actions. */
  actions: Methodology['actions'][string];
  /** The lowest level an override may set: what floors and immediate dangers guarantee. */
  minimumLevel: string;
}

function holds(c: Condition, answers: Answers): boolean {
  if (typeof c === 'string') return answers[c] === 'yes';
  if ('any' in c) return c.any.some((x) => holds(x, answers));
  return c.all.every((x) => holds(x, answers));
}

function itemsOf(c: Condition): string[] {
  if (typeof c === 'string') return [c];
  return ('any' in c ? c.any : c.all).flatMap(itemsOf);
}

/** The rank of a level id in a methodology (higher is more dangerous). */
export function levelRank(m: Methodology, level: string): number {
  return m.levels.findIndex((l) => l.id === level);
}

/**
 * Pure: the same methodology and answers always give the same assessment, whatever the order of items or
 * answers. "unknown" and unanswered score 0. Answering one more item "yes" never lowers the level, because
 * weights are not negative and conditions only look at "yes".
 */
export function assess(m: Methodology, answers: Answers): Assessment {
  let score = 0;
  for (const item of m.items) if (answers[item.id] === 'yes') score += item.weight;
  const scored = m.levels.slice(0, -1).filter((l) => l.minScore !== undefined && score >= l.minScore);
  const byScore = scored.at(-1)?.id ?? (m.levels[0]?.id as string);
  const reasons: Reason[] = [{ kind: 'score', score, level: byScore }];
  let minimum = 0;
  m.floors.forEach((f, i) => {
    if (!holds(f.when, answers)) return;
    minimum = Math.max(minimum, levelRank(m, f.atLeast));
    const items = [...new Set(itemsOf(f.when))].filter((id) => answers[id] === 'yes').sort();
    reasons.push({
      kind: 'floor',
      floor: i,
      atLeast: f.atLeast,
      items,
      ...(f.label ? { label: f.label } : {}),
    });
  });
  const immediate = m.items
    .filter((i) => i.immediate && answers[i.id] === 'yes')
    .map((i) => i.id)
    .sort();
  for (const item of immediate) reasons.push({ kind: 'immediate', item });
  if (immediate.length > 0) minimum = m.levels.length - 1;
  const rank = Math.max(levelRank(m, byScore), minimum);
  const level = m.levels[rank]?.id as string;
  const unanswered = m.items
    .filter((i) => answers[i.id] !== 'yes' && answers[i.id] !== 'no')
    .map((i) => i.id);
  return {
    score,
    level,
    reasons,
    unanswered,
    actions: m.actions[level] ?? [],
    minimumLevel: m.levels[minimum]?.id as string,
  };
}
