import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assess, levelRank } from './assess';
import { KG_HOTLINE_RISK_0_1 } from './kg-hotline-risk-0.1';
import { type Answer, type Answers, Methodology } from './methodology';

const m = Methodology.parse(KG_HOTLINE_RISK_0_1);
const yes = (...ids: string[]): Answers => Object.fromEntries(ids.map((id) => [id, 'yes' as const]));
const itemIds = m.items.map((i) => i.id);

describe('kg-hotline-risk 0.1', () => {
  it('is a valid methodology document', () => {
    expect(Methodology.safeParse(KG_HOTLINE_RISK_0_1).success).toBe(true);
    expect(m.items).toHaveLength(31);
  });

  it.each([
    ['nothing answered', {}, 0, 'low'],
    [
      '9 points stays low',
      yes('injury_latest', 'very_frightened', 'separation_recent', 'stalking', 'isolated'),
      9,
      'low',
    ],
    [
      '10 points is medium',
      yes('injury_latest', 'very_frightened', 'separation_recent', 'stalking', 'isolated', 'police_before'),
      10,
      'medium',
    ],
    [
      '17 points stays medium',
      yes(
        'injury_latest',
        'very_frightened',
        'separation_recent',
        'stalking',
        'children_harmed',
        'more_severe',
        'sexual_violence',
        'police_before',
        'isolated',
        'other_dependants',
      ),
      17,
      'medium',
    ],
    [
      '18 points is high',
      yes(
        'injury_latest',
        'very_frightened',
        'separation_recent',
        'stalking',
        'children_harmed',
        'more_severe',
        'sexual_violence',
        'family_threats_forced_marriage',
        'isolated',
        'other_dependants',
      ),
      18,
      'high',
    ],
    ['one red flag alone is high', yes('strangulation'), 3, 'high'],
    ['a protection-order breach alone is high', yes('order_breach'), 2, 'high'],
    [
      'separation + control + injury is high',
      yes('separation_recent', 'control_jealousy', 'injury_latest'),
      5,
      'high',
    ],
    ['separation + control without injury stays low', yes('separation_recent', 'control_jealousy'), 3, 'low'],
    ['an immediate danger is critical whatever the score', yes('present_danger_now'), 0, 'critical'],
    [
      'immediate plus red flags is critical',
      yes('serious_injury_now', 'weapon', 'threats_to_kill'),
      6,
      'critical',
    ],
  ] as const)('%s', (_name, answers, score, level) => {
    const r = assess(m, answers);
    expect(r.score).toBe(score);
    expect(r.level).toBe(level);
    expect(r.actions.map((a) => a.id)).toEqual(m.actions[level]?.map((a) => a.id));
  });

  it('explains which floors and immediate dangers decided, and what is still unasked', () => {
    const r = assess(m, { ...yes('weapon', 'present_danger_now'), isolated: 'no', stalking: 'unknown' });
    expect(r.reasons).toEqual([
      { kind: 'score', score: 3, level: 'low' },
      { kind: 'floor', floor: 0, atLeast: 'high', items: ['weapon'], label: m.floors[0]?.label },
      { kind: 'immediate', item: 'present_danger_now' },
    ]);
    expect(r.unanswered).toContain('stalking');
    expect(r.unanswered).not.toContain('isolated');
    expect(r.unanswered).not.toContain('weapon');
    expect(r.unanswered).toHaveLength(itemIds.length - 3);
    expect(r.minimumLevel).toBe('critical');
  });

  it('scores "unknown" as 0', () => {
    expect(assess(m, { weapon: 'unknown', threats_to_kill: 'unknown' })).toMatchObject({
      score: 0,
      level: 'low',
    });
  });
});

const answersArb = fc.dictionary(
  fc.constantFrom(...itemIds),
  fc.constantFrom<Answer>('yes', 'no', 'unknown'),
);

describe('assess (properties)', () => {
  it('answering one more item "yes" never lowers the level', () => {
    fc.assert(
      fc.property(answersArb, fc.constantFrom(...itemIds), (answers, id) => {
        const before = assess(m, answers);
        const after = assess(m, { ...answers, [id]: 'yes' });
        expect(levelRank(m, after.level)).toBeGreaterThanOrEqual(levelRank(m, before.level));
        expect(after.score).toBeGreaterThanOrEqual(before.score);
      }),
    );
  });

  it('floors and immediate dangers always hold', () => {
    const redFlags = m.items.filter((i) => i.redFlag).map((i) => i.id);
    const immediates = m.items.filter((i) => i.immediate).map((i) => i.id);
    fc.assert(
      fc.property(answersArb, (answers) => {
        const r = assess(m, answers);
        if (redFlags.some((id) => answers[id] === 'yes'))
          expect(levelRank(m, r.level)).toBeGreaterThanOrEqual(levelRank(m, 'high'));
        if (immediates.some((id) => answers[id] === 'yes')) expect(r.level).toBe('critical');
        else expect(r.level).not.toBe('critical');
        expect(levelRank(m, r.level)).toBeGreaterThanOrEqual(levelRank(m, r.minimumLevel));
      }),
    );
  });

  it('does not depend on the order of items, floors or answers', () => {
    fc.assert(
      fc.property(answersArb, fc.infiniteStream(fc.double()), (answers, rand) => {
        const it = rand[Symbol.iterator]();
        const shuffle = <T>(xs: T[]) =>
          xs
            .map((x) => [it.next().value as number, x] as const)
            .sort((a, b) => a[0] - b[0])
            .map(([, x]) => x);
        const shuffled: Methodology = { ...m, items: shuffle([...m.items]) };
        const reordered = Object.fromEntries(shuffle(Object.entries(answers)));
        const a = assess(m, answers);
        const b = assess(shuffled, reordered);
        expect(b.level).toBe(a.level);
        expect(b.score).toBe(a.score);
        expect(new Set(b.unanswered)).toEqual(new Set(a.unanswered));
        expect(b.reasons).toEqual(a.reasons);
      }),
    );
  });
});

describe('the methodology schema refuses documents that do not hold together', () => {
  const refuse = (doc: unknown) => {
    const r = Methodology.safeParse(doc);
    expect(r.success).toBe(false);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };
  it('an unknown item id in a floor', () => {
    const doc = {
      ...KG_HOTLINE_RISK_0_1,
      floors: [{ when: { any: ['weapon', { all: ['nope'] }] }, atLeast: 'high' }],
    };
    expect(refuse(doc)).toContain('floors.0.when.any.1.all.0: unknown item id "nope"');
  });
  it('a level named nowhere', () => {
    expect(refuse({ ...KG_HOTLINE_RISK_0_1, floors: [{ when: 'weapon', atLeast: 'extreme' }] })).toContain(
      'floors.0.atLeast: unknown level "extreme"',
    );
    expect(
      refuse({ ...KG_HOTLINE_RISK_0_1, actions: { ...KG_HOTLINE_RISK_0_1.actions, severe: [] } }),
    ).toContain('actions.severe: actions for unknown level "severe"');
  });
  it('a weight that is not a number, or negative', () => {
    const items = [{ ...KG_HOTLINE_RISK_0_1.items[4], weight: 'two' }, ...KG_HOTLINE_RISK_0_1.items.slice(5)];
    expect(refuse({ ...KG_HOTLINE_RISK_0_1, items }).some((p) => p.startsWith('items.0.weight'))).toBe(true);
    const neg = [{ ...KG_HOTLINE_RISK_0_1.items[4], weight: -1 }];
    expect(refuse({ ...KG_HOTLINE_RISK_0_1, items: neg, floors: [] })).toContain(
      'items.0.weight: must be 0 or more',
    );
  });
  it('levels out of order, or without a final critical', () => {
    const levels = [
      { id: 'low', minScore: 0 },
      { id: 'high', minScore: 5 },
      { id: 'medium', minScore: 3 },
      { id: 'critical' },
    ];
    expect(refuse({ ...KG_HOTLINE_RISK_0_1, levels })).toContain(
      'levels.2.minScore: minScores must increase from level to level',
    );
    expect(refuse({ ...KG_HOTLINE_RISK_0_1, levels: levels.slice(0, 2) })).toContain(
      'levels.1.id: the last level must be "critical"',
    );
  });
});
