/**
 * The counting rules shared by the live figures (metrics.ts) and the stored day totals (day-totals.ts); see
 * docs/board.md, "Figures".
 */

/** A call answered: it has an answer time and is neither lost (counted apart) nor abandoned after all. */
export const ANSWERED = `c.answered_at IS NOT NULL AND c.state NOT IN ('lost', 'abandoned')`;

/** answeredWithinThreshold ÷ (answered + abandoned − shortAbandoned), null when that divisor is 0. */
export function serviceLevelOf(m: {
  answered: number;
  abandoned: number;
  shortAbandoned: number;
  answeredWithinThreshold: number;
}): number | null {
  const divisor = m.answered + m.abandoned - m.shortAbandoned;
  return divisor > 0 ? m.answeredWithinThreshold / divisor : null;
}
