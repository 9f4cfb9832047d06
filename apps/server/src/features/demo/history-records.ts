import { createHash } from 'node:crypto';
import type { Queryable } from '@korgon/db';
import {
  type Assessment,
  assess,
  BISHKEK_OFFSET_MINUTES,
  type ConsultationData,
  emptyConsultationData,
  type Methodology,
  overdueAtOf,
  type PlannedFollowUp,
  planFollowUps,
  type ReferralField,
  referralContent,
  type Taxonomy,
} from '@korgon/domain';
import { type SealKey, seal } from '@korgon/signing';
import { createDemoHistoryRepository, type DemoPartnerRow } from './history-repository';

/**
 * The records behind a year of demo calls (`pnpm start`): for every answered history call a finalized
 * consultation of taxonomy kg-2026.1, and from it what the real console would have made: a risk assessment
 * under kg-hotline-risk 0.1 (computed by `assess`, never overridden), referrals run through their lifecycle
 * with their events, and the follow-ups `planFollowUps` asks for, done (by a call-back consultation), missed or
 * cancelled, or still due when their time has not come.
 *
 * Pure and deterministic: every record of a call is drawn from a generator seeded by the call's id, so the
 * same calls always give the same records. No caller number and no hash (caller_hash is null); no free text in
 * clear: notes are empty (no ciphertext), and the only free text (why a follow-up was missed or cancelled, why
 * a partner rejected a referral) is sealed with the notes key, as the console does, or left out without a key.
 * Nothing is audited: these are history, not events that happened in this installation.
 *
 * The proportions are our design (docs/domain.md §11 gives only the volume, a few hundred calls a day): they
 * are meant to look like a national domestic-violence line, not to report one.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const OFFSET = BISHKEK_OFFSET_MINUTES * MINUTE;

export type Rng = () => number;

/** mulberry32: a small, fast generator; good enough for demo data. */
export function random(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a of a text: the seed of everything drawn for one hour, call or record. */
export function seedOf(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** One of the keys, with the given weights (they need not add up to 1). */
export function pick<K extends string>(rnd: Rng, weights: Readonly<Record<K, number>>): K {
  const entries = Object.entries(weights) as [K, number][];
  const total = entries.reduce((s, [, w]) => s + w, 0);
  let x = rnd() * total;
  for (const [k, w] of entries) {
    x -= w;
    if (x < 0) return k;
  }
  return (entries.at(-1) as [K, number])[0];
}

/**
 * A name-based UUID (version 5 layout, SHA-1 of the name): the same record gets the same id on every run, and
 * two records never share one (a 32-bit seed could repeat among a year of calls; a 122-bit hash does not).
 */
export function uuidOf(name: string): string {
  const h = createHash('sha1').update(`korgon-demo:${name}`).digest('hex');
  const variant = ((Number.parseInt(h[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The shares the demo draws from (weights by taxonomy id). */
export const DEMO_PROPORTIONS = {
  /** Contact kinds of answered calls: a little over half are data contacts. */
  contactKinds: {
    about_self: 44,
    about_other: 13,
    information: 15,
    silent: 10,
    hang_up: 8,
    prank: 6,
    wrong_number: 4,
  },
  /** Survivors' gender: most protection orders go to women (92% in 2025). */
  genders: { female: 88, male: 10, unknown: 2 },
  ageBandsSelf: { '0-11': 0, '12-17': 2, '18-25': 20, '26-40': 45, '41-60': 25, '61+': 6, unknown: 2 },
  /** About someone else: more often a child or an old parent. */
  ageBandsOther: { '0-11': 18, '12-17': 15, '18-25': 15, '26-40': 25, '41-60': 14, '61+': 10, unknown: 3 },
  /** Roughly by population, with the capital over-represented (the line is best known there). */
  regions: {
    'KG-GB': 25,
    'KG-C': 15,
    'KG-O': 15,
    'KG-J': 15,
    'KG-GO': 6,
    'KG-Y': 7,
    'KG-B': 6,
    'KG-N': 3,
    'KG-T': 3,
    unknown: 4,
    abroad: 1,
  },
  languages: { ky: 56, ru: 39, uz: 4, en: 0.3, other: 0.7 },
  /** Each form's chance of being named in a data contact (several at once). */
  violenceForms: {
    psychological: 0.72,
    physical: 0.52,
    economic: 0.33,
    threats: 0.28,
    stalking_control: 0.14,
    sexual: 0.08,
    neglect: 0.06,
    tech_facilitated: 0.04,
    forced_early_marriage: 0.03,
  },
  /** Share of data contacts about trafficking (a form of its own, often from abroad). */
  trafficking: 0.015,
  perpetrators: {
    husband: 52,
    ex_husband: 10,
    partner: 5,
    in_law: 11,
    parent: 6,
    child: 5,
    sibling: 4,
    other_relative: 3,
    employer: 1,
    other: 3,
  },
  /** The caller's answer on statistical use: most agree, a few refuse. */
  consentStatistics: { yes: 94, no: 4, not_asked: 2 },
  consentReferral: { yes: 62, no: 25, not_asked: 13 },
  /** Latent danger of a data contact; `assess` computes the level from the answers drawn for it. */
  danger: { low: 46, medium: 30, high: 19, critical: 5 },
} as const;

const NON_DATA = new Set(['information', 'silent', 'hang_up', 'prank', 'wrong_number']);

/** A call's contact kind, from its id alone: the call simulation times the call by it, the records use it. */
export function contactKindOf(externalId: string): string {
  return pick(random(seedOf(`${externalId}:kind`)), DEMO_PROPORTIONS.contactKinds);
}

/** How long the call lasts and its wrap-up (ms), by contact kind: silent and wrong-number calls are short. */
export function callTimes(kind: string, rnd: Rng): { talk: number; wrapUp: number } {
  const exp = (mean: number) => -Math.log(1 - rnd()) * mean;
  if (kind === 'information') return { talk: 60_000 + rnd() * 180_000, wrapUp: 30_000 + rnd() * 30_000 };
  if (NON_DATA.has(kind)) return { talk: 8_000 + rnd() * 60_000, wrapUp: 15_000 + rnd() * 25_000 };
  return {
    talk: 120_000 + Math.min(exp(360_000), 30 * MINUTE),
    wrapUp: 45_000 + Math.min(exp(60_000), 4 * MINUTE),
  };
}

export interface AnsweredCall {
  id: string;
  externalId: string;
  operatorId: string;
  answeredAt: number;
  endedAt: number;
}

/** A partner organisation, with a portal user of it who acknowledges its referrals. */
export type PartnerOrg = DemoPartnerRow;

export interface RecordsContext {
  taxonomy: Taxonomy;
  methodology: Methodology;
  partners: PartnerOrg[];
  escalationMinutes: Record<string, number>;
  /** Operator user id → who is on shift at an instant (for call-backs and closing follow-ups). */
  onShiftAt: (t: number, rnd: Rng) => string;
  orderCheckinDays: number;
  now: number;
}

export interface ConsultationRecord {
  id: string;
  callId: string | null;
  channel: 'call' | 'call_back';
  previousId: string | null;
  followUpId: string | null;
  operatorId: string;
  revision: number;
  data: ConsultationData;
  createdAt: number;
  finalizedAt: number;
}

export interface AssessmentRecord {
  id: string;
  consultationId: string;
  answers: Record<string, 'yes' | 'no' | 'unknown'>;
  result: Assessment;
  createdBy: string;
  createdAt: number;
}

export interface ReferralEventRecord {
  status: string;
  at: number;
  actorId: string | null;
  actor: string | null;
  details: Record<string, unknown>;
}

export interface ReferralRecord {
  id: string;
  consultationId: string;
  partnerOrgId: string;
  urgency: 'urgent' | 'standard';
  status: string;
  fields: string[];
  content: Record<string, unknown>;
  rejectionReason: string | null;
  deliveredAt: number | null;
  acknowledgedAt: number | null;
  escalatedAt: number | null;
  escalateAt: number | null;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
  events: ReferralEventRecord[];
}

export interface FollowUpRecord {
  id: string;
  consultationId: string;
  plan: PlannedFollowUp;
  state: 'due' | 'done' | 'missed' | 'cancelled';
  raisedAt: number | null;
  assigneeId: string | null;
  doneConsultationId: string | null;
  reason: string | null;
  closedAt: number | null;
  closedBy: string | null;
  createdBy: string;
  createdAt: number;
}

export interface HistoryRecords {
  consultations: ConsultationRecord[];
  assessments: AssessmentRecord[];
  referrals: ReferralRecord[];
  followUps: FollowUpRecord[];
}

const chance = (rnd: Rng, p: number) => rnd() < p;
const bishkekDate = (t: number) => new Date(t + OFFSET).toISOString().slice(0, 10);
const hhmm = (h: number) => `${String(h % 24).padStart(2, '0')}:00`;

const MISSED_REASONS = [
  'Не ответила в согласованное время',
  'Макулдашылган убакта жооп берген жок',
  'Телефон выключен',
  'No answer in the safe window',
];
const CANCELLED_REASONS = [
  'Сама позвонила на линию раньше',
  'Өзү линияга кайра чалды',
  'Попросила больше не звонить',
];
const REJECTED_REASONS = ['Не наш район', 'Мест нет', 'Бизде орун жок'];

/** Answers to the methodology's items for a latent danger, consistent with the forms of violence named. */
function drawAnswers(
  m: Methodology,
  danger: string,
  forms: string[],
  children: string,
  rnd: Rng,
): Record<string, 'yes' | 'no' | 'unknown'> {
  const base = { low: 0.08, medium: 0.5, high: 0.45, critical: 0.4 }[danger] ?? 0.1;
  const redFlag = { low: 0, medium: 0, high: 0.3, critical: 0.4 }[danger] ?? 0;
  const has = (f: string) => forms.includes(f);
  const answers: Record<string, 'yes' | 'no' | 'unknown'> = {};
  for (const item of m.items) {
    let p = item.redFlag ? redFlag : base;
    if (item.immediate) p = danger === 'critical' ? 0.45 : 0;
    if (item.id === 'sexual_violence') p = has('sexual') ? 0.9 : 0;
    if (item.id === 'injury_latest') p = has('physical') ? p + 0.25 : p / 2;
    if (item.id === 'economic_control') p = has('economic') ? 0.7 : p / 2;
    if (item.id === 'stalking' || item.id === 'control_jealousy') p = has('stalking_control') ? 0.7 : p;
    if (item.id === 'family_threats_forced_marriage') p = has('forced_early_marriage') ? 0.8 : p / 3;
    if (item.id === 'children_harmed' || item.id === 'child_conflict') p = children === 'yes' ? p + 0.1 : 0;
    if (item.id === 'threats_to_kill' && has('threats')) p += 0.1;
    const unknown = chance(rnd, danger === 'low' ? 0.12 : 0.06);
    answers[item.id] = unknown ? 'unknown' : chance(rnd, p) ? 'yes' : 'no';
  }
  // Critical means an immediate danger now: at least one of them.
  const immediate = m.items.filter((i) => i.immediate);
  if (danger === 'critical' && immediate.length > 0 && !immediate.some((i) => answers[i.id] === 'yes'))
    answers[(immediate[Math.floor(rnd() * immediate.length)] ?? immediate[0])?.id as string] = 'yes';
  return answers;
}

/** The structured record of a data contact. */
function drawData(kind: string, t: number, rnd: Rng, tax: Taxonomy): ConsultationData {
  const P = DEMO_PROPORTIONS;
  const ids = (list: { id: string }[]) => new Set(list.map((o) => o.id));
  const only = <K extends string>(w: Readonly<Record<K, number>>, allowed: Set<string>) =>
    Object.fromEntries(Object.entries(w).filter(([k]) => allowed.has(k))) as Record<K, number>;
  const self = kind === 'about_self';
  const trafficking = chance(rnd, P.trafficking);
  const region = trafficking && chance(rnd, 0.6) ? 'abroad' : pick(rnd, only(P.regions, ids(tax.regions)));
  const city = region === 'KG-GB' || region === 'KG-GO';
  const south = region === 'KG-O' || region === 'KG-J' || region === 'KG-GO' || region === 'KG-B';
  const language = pick(
    rnd,
    only(
      south ? { ...P.languages, uz: 14, ru: 25 } : city ? { ...P.languages, ru: 60, ky: 36 } : P.languages,
      ids(tax.languages),
    ),
  );
  const ageBand = pick(rnd, only(self ? P.ageBandsSelf : P.ageBandsOther, ids(tax.ageBands)));
  const minor = ageBand === '0-11' || ageBand === '12-17';
  const gender = pick(rnd, only(minor ? { female: 55, male: 43, unknown: 2 } : P.genders, ids(tax.genders)));
  const forms: string[] = [];
  if (trafficking) {
    forms.push(
      pick(rnd, {
        trafficking_labour: 60,
        trafficking_sexual: 20,
        trafficking_marriage: 10,
        trafficking_debt: 10,
      }),
    );
    if (chance(rnd, 0.5)) forms.push('psychological');
  } else {
    for (const [form, p] of Object.entries(P.violenceForms)) if (chance(rnd, p)) forms.push(form);
    if (minor && chance(rnd, 0.3)) forms.push('neglect');
    if (forms.length === 0) forms.push('psychological');
  }
  const violenceForms = [...new Set(forms)].filter((f) => ids(tax.violenceForms).has(f));
  const relation = trafficking
    ? pick(rnd, { recruiter: 60, employer: 30, other: 10 })
    : minor
      ? pick(rnd, { parent: 60, other_relative: 15, sibling: 10, other: 15 })
      : ageBand === '61+'
        ? pick(rnd, { child: 55, husband: 25, other_relative: 10, in_law: 10 })
        : pick(rnd, P.perpetrators);
  const perpGender =
    relation === 'in_law'
      ? pick(rnd, { female: 60, male: 40 })
      : pick(rnd, { male: 88, female: 10, unknown: 2 });
  const perpAge = pick(rnd, { '18-25': 12, '26-40': 48, '41-60': 30, '61+': 5, unknown: 5 });
  const childrenAffected = minor ? 'yes' : pick(rnd, { yes: 45, no: 40, unknown: 15 });
  const disability = pick(rnd, { no: 84, yes: 5, unknown: 11 });
  const consentStatistics = pick(rnd, P.consentStatistics);
  const consentReferral = pick(rnd, P.consentReferral);
  const window = chance(rnd, 0.4)
    ? (() => {
        const from = pick(rnd, { 9: 3, 10: 3, 12: 2, 14: 2, 18: 2, 20: 1 } as Record<string, number>);
        return {
          callbackFrom: hhmm(Number(from)),
          callbackTo: hhmm(Number(from) + 2 + Math.floor(rnd() * 3)),
        };
      })()
    : {};
  const agreed = chance(rnd, 0.08);
  const order = !trafficking && chance(rnd, 0.1);
  const data: ConsultationData = {
    contactKind: kind,
    callerRole: self
      ? pick(rnd, { survivor: 97, perpetrator: 3 })
      : pick(rnd, { third_party: 80, professional: 20 }),
    survivor: {
      gender,
      ageBand,
      region,
      settlement: city
        ? 'urban'
        : region === 'abroad' || region === 'unknown'
          ? 'unknown'
          : pick(rnd, { rural: 60, urban: 35, unknown: 5 }),
      disability,
      ...(disability === 'yes'
        ? {
            disabilityType: pick(rnd, {
              physical: 45,
              sensory: 20,
              intellectual: 10,
              psychosocial: 20,
              other: 5,
            }),
          }
        : {}),
      language,
    },
    violenceForms,
    perpetrator: { relation, gender: perpGender, ageBand: perpAge },
    childrenAffected,
    servicesGiven: [],
    safeContact: {
      safeToTalk: pick(rnd, { yes: 75, no: 10, unknown: 15 }),
      ...window,
      voicemailAllowed: pick(rnd, { no: 60, yes: 15, unknown: 25 }),
    },
    consent: { referral: consentReferral, statistics: consentStatistics },
    followUp: agreed
      ? { agreed: true, due: new Date(t + (1 + Math.floor(rnd() * 3)) * DAY).toISOString() }
      : {},
    protectionOrder: order
      ? {
          has: 'yes',
          kind: pick(rnd, { temporary: 80, court: 15, other: 5 }),
          issuedOn: bishkekDate(t - Math.floor(rnd() * 26) * DAY),
        }
      : {},
    safetyPlan: {},
  };
  return data;
}

/** The partner organisation of a type for a region: one serving it, else any (the capital's). */
function partnerFor(ctx: RecordsContext, type: string, region: string | undefined, rnd: Rng) {
  const ofType = ctx.partners.filter((p) => p.type === type);
  const local = ofType.filter((p) => region && p.regions.includes(region));
  const from = local.length > 0 ? local : ofType;
  return from[Math.floor(rnd() * from.length)];
}

/** The partner types a data contact at this level is referred to. */
function referralTypes(ctx: RecordsContext, level: string, d: ConsultationData, rnd: Rng): string[] {
  const called = [...new Set((ctx.methodology.actions[level] ?? []).flatMap((a) => a.referTo ?? []))];
  const types = new Set<string>();
  if (d.violenceForms.some((f) => f.startsWith('trafficking')))
    types.add(d.survivor.region === 'abroad' && chance(rnd, 0.5) ? 'consulate' : 'anti_trafficking');
  if (level === 'critical' || level === 'high') {
    types.add('police');
    if (chance(rnd, 0.5))
      types.add(called.includes('shelter') && chance(rnd, 0.3) ? 'shelter' : 'crisis_centre');
    if (d.violenceForms.includes('sexual') && chance(rnd, 0.6)) types.add('single_window');
    if (level === 'critical' && chance(rnd, 0.3)) types.add('health');
  } else if (level === 'medium') {
    types.add(pick(rnd, { crisis_centre: 70, legal_aid: 15, police: 10, social_protection: 5 }));
  } else if (chance(rnd, 0.15)) {
    types.add(pick(rnd, { crisis_centre: 55, legal_aid: 30, social_protection: 15 }));
  }
  const minor = d.survivor.ageBand === '0-11' || d.survivor.ageBand === '12-17';
  if ((minor || d.childrenAffected === 'yes') && level !== 'low' && chance(rnd, minor ? 0.7 : 0.12))
    types.add('child_protection');
  if (
    d.perpetrator.relation &&
    ['husband', 'ex_husband'].includes(d.perpetrator.relation) &&
    chance(rnd, 0.01)
  )
    types.add('probation');
  if (d.survivor.settlement === 'rural' && chance(rnd, 0.02)) types.add('local_government');
  return [...types].slice(0, 3);
}

/** A referral's life from its creation to now (never past now). */
function runReferral(
  ctx: RecordsContext,
  r: Omit<
    ReferralRecord,
    'status' | 'events' | 'deliveredAt' | 'acknowledgedAt' | 'escalatedAt' | 'updatedAt' | 'rejectionReason'
  >,
  type: string,
  partnerUser: string | null,
  rnd: Rng,
): ReferralRecord {
  const events: ReferralEventRecord[] = [];
  // The organisation's portal user; a demo organisation without one acted through nobody the demo knows.
  const partnerActor = { actorId: partnerUser, actor: null };
  const add = (
    status: string,
    at: number,
    who: Pick<ReferralEventRecord, 'actorId' | 'actor'>,
    details = {},
  ) => {
    if (at > ctx.now) return false;
    events.push({ status, at: Math.round(at), ...who, details });
    return true;
  };
  const t0 = r.createdAt;
  add('queued', t0, { actorId: r.createdBy, actor: null });
  add('sent', t0 + 200 + rnd() * 800, { actorId: null, actor: 'worker' });
  const deliveredAt = t0 + 1500 + rnd() * 2000;
  add('delivered', deliveredAt, { actorId: null, actor: 'worker' });
  const exp = (mean: number) => -Math.log(1 - rnd()) * mean;
  const urgent = r.urgency === 'urgent';
  let ackAt = urgent ? deliveredAt + 60_000 + exp(9 * MINUTE) : deliveredAt + 10 * MINUTE + exp(5 * HOUR);
  const escalateAt = urgent ? t0 + (ctx.escalationMinutes[type] ?? 15) * MINUTE : null;
  let escalatedAt: number | null = null;
  // An urgent referral still unacknowledged now would be escalated and alert the board: history never leaves
  // one waiting, its partner answered before now.
  if (urgent && ackAt > ctx.now) ackAt = Math.max(deliveredAt + 1000, ctx.now - 1000);
  // A few are withdrawn by the operator within minutes (before any escalation).
  const revoked = chance(rnd, 0.015);
  if (!revoked && escalateAt !== null && ackAt > escalateAt) {
    escalatedAt = escalateAt;
    add('escalated', escalateAt, { actorId: null, actor: 'worker' }, { note: 'not acknowledged in time' });
  }
  let status = 'delivered';
  let rejectionReason: string | null = null;
  let acknowledgedAt: number | null = null;
  if (revoked) {
    const at = deliveredAt + rnd() * 5 * MINUTE;
    if (add('revoked', at, { actorId: r.createdBy, actor: null })) status = 'revoked';
  } else if (add('acknowledged', ackAt, partnerActor)) {
    status = 'acknowledged';
    acknowledgedAt = Math.round(ackAt);
    const decideAt = ackAt + exp(urgent ? 30 * MINUTE : 8 * HOUR);
    if (chance(rnd, 0.09)) {
      rejectionReason = REJECTED_REASONS[Math.floor(rnd() * REJECTED_REASONS.length)] ?? null;
      if (add('rejected', decideAt, partnerActor, { note: 'reason given (sealed with the referral)' }))
        status = 'rejected';
      else rejectionReason = null;
    } else if (add('accepted', decideAt, partnerActor)) {
      status = 'accepted';
      if (chance(rnd, 0.9) && add('done', decideAt + 6 * HOUR + exp(5 * DAY), partnerActor)) status = 'done';
    }
  }
  return {
    ...r,
    status,
    events,
    rejectionReason,
    deliveredAt: deliveredAt <= ctx.now ? Math.round(deliveredAt) : null,
    acknowledgedAt,
    escalatedAt,
    escalateAt,
    updatedAt: events.at(-1)?.at ?? r.createdAt,
  };
}

/** The records of answered calls (pure: the same calls and context give the same records). */
export function generateRecords(calls: readonly AnsweredCall[], ctx: RecordsContext): HistoryRecords {
  const out: HistoryRecords = { consultations: [], assessments: [], referrals: [], followUps: [] };
  const m = ctx.methodology;
  for (const call of calls) {
    const rnd = random(seedOf(`${call.externalId}:record`));
    let n = 0;
    const newId = () => uuidOf(`${call.externalId}:${n++}`);
    const kind = contactKindOf(call.externalId);
    const id = newId();
    const finalizedAt = call.endedAt + 15_000 + Math.floor(rnd() * 25_000);
    const empty: ConsultationData = { ...emptyConsultationData(), contactKind: kind };
    const base = {
      id,
      callId: call.id,
      channel: 'call' as const,
      previousId: null,
      followUpId: null,
      operatorId: call.operatorId,
      revision: 1 + Math.floor(rnd() * 3),
      createdAt: call.answeredAt,
      finalizedAt,
    };
    if (NON_DATA.has(kind)) {
      const data = kind === 'information' ? { ...empty, servicesGiven: ['legal_information'] } : empty;
      out.consultations.push({ ...base, data });
      continue;
    }
    const data = drawData(kind, call.answeredAt, rnd, ctx.taxonomy);
    // Assessed: most survivors, fewer calls about someone else, never a perpetrator asking for help.
    let risk: AssessmentRecord | null = null;
    if (data.callerRole !== 'perpetrator' && chance(rnd, kind === 'about_self' ? 0.85 : 0.55)) {
      const danger = pick(rnd, DEMO_PROPORTIONS.danger);
      const answers = drawAnswers(m, danger, data.violenceForms, data.childrenAffected ?? 'unknown', rnd);
      risk = {
        id: newId(),
        consultationId: id,
        answers,
        result: assess(m, answers),
        createdBy: call.operatorId,
        createdAt: Math.round(call.answeredAt + (call.endedAt - call.answeredAt) * (0.5 + rnd() * 0.4)),
      };
      out.assessments.push(risk);
    }
    const level = risk?.result.level ?? null;
    // Referrals, with the caller's consent only (history never uses a consent exception: its reason is free text).
    const referrals: ReferralRecord[] = [];
    if (level && data.consent.referral === 'yes') {
      for (const type of referralTypes(ctx, level, data, rnd)) {
        const partner = partnerFor(ctx, type, data.survivor.region, rnd);
        if (!partner) continue;
        const fields: ReferralField[] = [
          'region',
          'settlement',
          'ageBand',
          'gender',
          'language',
          'violenceForms',
          'childrenAffected',
          'riskLevel',
        ];
        if (chance(rnd, 0.6)) fields.push('safeContact');
        referrals.push(
          runReferral(
            ctx,
            {
              id: newId(),
              consultationId: id,
              partnerOrgId: partner.id,
              urgency: level === 'critical' || level === 'high' ? 'urgent' : 'standard',
              fields,
              content: referralContent(fields, data, level) as Record<string, unknown>,
              escalateAt: null,
              createdBy: call.operatorId,
              createdAt: call.endedAt + 3_000 + Math.floor(rnd() * 10_000),
            },
            type,
            partner.userId,
            rnd,
          ),
        );
      }
    }
    out.referrals.push(...referrals);
    // Services given, consistent with the rest of the record.
    const services = new Set<string>(['psychological_support']);
    if (chance(rnd, 0.4) || level === 'critical') services.add('crisis_counselling');
    if (chance(rnd, 0.45)) services.add('legal_information');
    if (data.protectionOrder.has === 'yes' || (level && level !== 'low' && chance(rnd, 0.5)))
      services.add('protection_order_information');
    if (level && level !== 'low') services.add('safety_plan');
    if (referrals.length > 0) services.add('referral');
    if (data.followUp.agreed) services.add('follow_up_agreed');
    data.servicesGiven = [...services];
    if (services.has('safety_plan')) {
      const items = ctx.taxonomy.safetyPlan.flatMap((s) => s.items.map((i) => i.id));
      for (const item of items) if (chance(rnd, 0.35)) data.safetyPlan[item] = true;
    }
    out.consultations.push({ ...base, data, revision: 3 + Math.floor(rnd() * 9) });

    // Follow-ups, exactly as finalizing makes them; then what became of each by now.
    const plans = planFollowUps({
      data,
      operatorId: call.operatorId,
      now: new Date(finalizedAt),
      risk: risk ? { finalLevel: risk.result.level, actions: m.actions[risk.result.level] ?? [] } : null,
      orderCheckinDaysBefore: ctx.orderCheckinDays,
    });
    for (const plan of plans) {
      const fid = newId();
      const raiseAt = plan.raiseAt.getTime();
      const overdueAt = overdueAtOf(plan.raiseAt, plan.window).getTime();
      const f: FollowUpRecord = {
        id: fid,
        consultationId: id,
        plan,
        state: 'due',
        raisedAt: raiseAt <= ctx.now ? raiseAt : null,
        assigneeId: plan.assigneeId,
        doneConsultationId: null,
        reason: null,
        closedAt: null,
        closedBy: null,
        createdBy: call.operatorId,
        createdAt: finalizedAt,
      };
      const outcome = pick(rnd, { done: 78, missed: 15, cancelled: 7 });
      if (outcome === 'done') {
        const at = raiseAt + rnd() * Math.min(overdueAt - raiseAt, 90 * MINUTE);
        const doer = plan.assigneeId ?? ctx.onShiftAt(at, rnd);
        const closedAt = at + 4 * MINUTE + rnd() * 12 * MINUTE;
        if (closedAt <= ctx.now) {
          const callBack: ConsultationRecord = {
            id: newId(),
            callId: null,
            channel: 'call_back',
            previousId: id,
            followUpId: fid,
            operatorId: doer,
            revision: 2 + Math.floor(rnd() * 5),
            // The same caller, a shorter record; no order and no call-back agreed, so it plans nothing more.
            data: {
              ...data,
              servicesGiven: ['psychological_support', ...(chance(rnd, 0.5) ? ['safety_plan'] : [])],
              followUp: {},
              protectionOrder: {},
              safetyPlan: {},
            },
            createdAt: Math.round(at),
            finalizedAt: Math.round(closedAt),
          };
          out.consultations.push(callBack);
          Object.assign(f, {
            state: 'done',
            raisedAt: raiseAt,
            assigneeId: doer,
            doneConsultationId: callBack.id,
            closedAt: Math.round(closedAt),
            closedBy: doer,
          });
        }
      } else {
        const closedAt = outcome === 'missed' ? overdueAt + rnd() * 2 * HOUR : raiseAt - rnd() * HOUR;
        if (closedAt <= ctx.now && closedAt > finalizedAt) {
          const list = outcome === 'missed' ? MISSED_REASONS : CANCELLED_REASONS;
          Object.assign(f, {
            state: outcome,
            raisedAt: outcome === 'missed' ? raiseAt : null,
            reason: list[Math.floor(rnd() * list.length)] ?? null,
            closedAt: Math.round(closedAt),
            closedBy: plan.assigneeId ?? ctx.onShiftAt(closedAt, rnd),
          });
        }
      }
      // One whose time has passed is never left due: it would be raised and overdue on the board at once.
      if (f.state === 'due' && raiseAt <= ctx.now) {
        const closedAt = Math.min(ctx.now - 1000, overdueAt);
        Object.assign(f, {
          state: 'missed',
          raisedAt: raiseAt,
          reason: MISSED_REASONS[0] ?? null,
          closedAt: Math.round(Math.max(closedAt, raiseAt)),
          closedBy: plan.assigneeId ?? ctx.onShiftAt(closedAt, rnd),
        });
      }
      out.followUps.push(f);
    }
  }
  return out;
}

/**
 * Inserts the records in the caller's transaction, set-based (one statement per table), consultations and
 * referrals in the order they were made so their reference numbers run with time (history-repository.ts).
 */
export async function insertRecords(
  q: Queryable,
  r: HistoryRecords,
  o: { taxonomyVersion: string; methodology: Methodology; key?: SealKey },
): Promise<void> {
  const repo = createDemoHistoryRepository(q);
  const sealed = (id: string, text: string | null) => (text && o.key ? seal(o.key, id, text) : null);
  const keyVersion = o.key?.version ?? null;
  const ks = [...r.consultations].sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  await repo.insertConsultations(ks, o.taxonomyVersion);
  await repo.insertAssessments(r.assessments, o.methodology);
  await repo.insertFollowUps(
    r.followUps.map((x) => ({ ...x, reasonSealed: sealed(`${x.id}:reason`, x.reason) })),
    keyVersion,
  );
  await repo.linkCallBacks(ks.filter((k) => k.followUpId));
  const rs = [...r.referrals].sort((x, y) => x.createdAt - y.createdAt || x.id.localeCompare(y.id));
  await repo.insertReferrals(
    rs.map((x) => ({ ...x, rejectionSealed: sealed(`${x.id}:rejection`, x.rejectionReason) })),
    keyVersion,
  );
  await repo.insertReferralEvents(rs.flatMap((x) => x.events.map((e) => ({ ...e, referralId: x.id }))));
}
