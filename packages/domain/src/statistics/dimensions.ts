import { z } from 'zod';
import type { LocalizedText } from '../i18n/locales';
import { Cell, StatisticsLabel } from './schemas';

/**
 * The dimensions of a statistics table (docs/statistics.md, "Tables and dimensions"). Their values' labels come
 * from the records' taxonomy (or methodology) versions; the names of the dimensions themselves are here.
 */
export const STATISTICS_DIMENSION_KEYS = [
  'contactKind',
  'callerRole',
  'gender',
  'ageBand',
  'region',
  'settlement',
  'violenceForms',
  'perpetratorRelation',
  'riskLevel',
  'servicesGiven',
  'referralPartnerType',
  'referralOutcome',
  'language',
  'disability',
  'channel',
  'month',
  'weekday',
  'hour',
] as const;
export const StatisticsDimensionKey = z.enum(STATISTICS_DIMENSION_KEYS);
export type StatisticsDimensionKey = z.infer<typeof StatisticsDimensionKey>;

export const STATISTICS_DIMENSION_LABELS: Record<StatisticsDimensionKey, LocalizedText> = {
  contactKind: { en: 'Contact kind', ru: 'Вид обращения', ky: 'Кайрылуунун түрү' },
  callerRole: { en: 'Caller role', ru: 'Кто обратился', ky: 'Ким кайрылды' },
  gender: { en: 'Survivor’s gender', ru: 'Пол пострадавшего', ky: 'Жабыр тарткандын жынысы' },
  ageBand: { en: 'Survivor’s age band', ru: 'Возраст пострадавшего', ky: 'Жабыр тарткандын жашы' },
  region: { en: 'Region', ru: 'Регион', ky: 'Аймак' },
  settlement: { en: 'Urban or rural', ru: 'Город или село', ky: 'Шаар же айыл' },
  violenceForms: { en: 'Forms of violence', ru: 'Формы насилия', ky: 'Зомбулуктун түрлөрү' },
  perpetratorRelation: {
    en: 'Relation to the perpetrator',
    ru: 'Отношение к обидчику',
    ky: 'Зомбулук көрсөткөн адамга мамилеси',
  },
  riskLevel: { en: 'Risk level', ru: 'Уровень риска', ky: 'Коркунуч деңгээли' },
  servicesGiven: { en: 'Services given', ru: 'Оказанные услуги', ky: 'Көрсөтүлгөн кызматтар' },
  referralPartnerType: {
    en: 'Referred to (partner type)',
    ru: 'Куда направлены (тип партнёра)',
    ky: 'Кайда жөнөтүлдү (өнөктөштүн түрү)',
  },
  referralOutcome: { en: 'Referral outcome', ru: 'Результат направления', ky: 'Жолдомонун жыйынтыгы' },
  language: { en: 'Language', ru: 'Язык', ky: 'Тил' },
  disability: { en: 'Disability', ru: 'Инвалидность', ky: 'Майыптык' },
  channel: { en: 'Channel', ru: 'Канал', ky: 'Байланыш жолу' },
  month: { en: 'Month', ru: 'Месяц', ky: 'Ай' },
  weekday: { en: 'Weekday', ru: 'День недели', ky: 'Жуманын күнү' },
  hour: { en: 'Hour of day', ru: 'Час суток', ky: 'Күндүн сааты' },
};

/** Multi-valued: a record counts under each of its values; totals count records, not the sum of cells. */
export const MULTI_VALUED_DIMENSIONS: readonly StatisticsDimensionKey[] = [
  'violenceForms',
  'servicesGiven',
  'referralPartnerType',
  'referralOutcome',
];

/**
 * The value of a record that has none (not asked, not recorded): its own row, apart from a taxonomy's
 * "unknown" (which an operator chose). Taxonomy ids never begin with "_", so it cannot clash.
 */
export const NOT_RECORDED = '_none';
export const NOT_RECORDED_LABEL: LocalizedText = {
  en: 'Not recorded',
  ru: 'Не указано',
  ky: 'Көрсөтүлгөн эмес',
};

/** Disability: yes / no / unknown (ConsultationData.survivor.disability). */
export const DISABILITY_LABELS: Record<'yes' | 'no' | 'unknown', LocalizedText> = {
  yes: { en: 'Yes', ru: 'Да', ky: 'Ооба' },
  no: { en: 'No', ru: 'Нет', ky: 'Жок' },
  unknown: { en: 'Unknown', ru: 'Неизвестно', ky: 'Белгисиз' },
};

/** Where a referral of the record stands now (its status); drafts and revoked referrals are not counted. */
export const REFERRAL_OUTCOME_LABELS: Record<string, LocalizedText> = {
  queued: { en: 'Waiting to be sent', ru: 'Ожидает отправки', ky: 'Жөнөтүүнү күтүүдө' },
  sent: { en: 'Sent', ru: 'Отправлено', ky: 'Жөнөтүлдү' },
  delivered: { en: 'Delivered', ru: 'Доставлено', ky: 'Жеткирилди' },
  escalated: { en: 'Escalated', ru: 'Эскалировано', ky: 'Жогору жакка билдирилди' },
  acknowledged: { en: 'Acknowledged', ru: 'Принято к сведению', ky: 'Кабыл алынганы тастыкталды' },
  accepted: { en: 'Accepted', ru: 'Принято в работу', ky: 'Ишке алынды' },
  rejected: { en: 'Rejected', ru: 'Отклонено', ky: 'Четке кагылды' },
  done: { en: 'Done', ru: 'Выполнено', ky: 'Аткарылды' },
  failed: { en: 'Delivery failed', ru: 'Не доставлено', ky: 'Жеткирилген жок' },
};

/** ISO weekdays, Monday (1) first. */
export const WEEKDAY_LABELS: readonly LocalizedText[] = [
  { en: 'Monday', ru: 'Понедельник', ky: 'Дүйшөмбү' },
  { en: 'Tuesday', ru: 'Вторник', ky: 'Шейшемби' },
  { en: 'Wednesday', ru: 'Среда', ky: 'Шаршемби' },
  { en: 'Thursday', ru: 'Четверг', ky: 'Бейшемби' },
  { en: 'Friday', ru: 'Пятница', ky: 'Жума' },
  { en: 'Saturday', ru: 'Суббота', ky: 'Ишемби' },
  { en: 'Sunday', ru: 'Воскресенье', ky: 'Жекшемби' },
];

export const MONTH_LABELS: readonly LocalizedText[] = [
  { en: 'January', ru: 'Январь', ky: 'Январь' },
  { en: 'February', ru: 'Февраль', ky: 'Февраль' },
  { en: 'March', ru: 'Март', ky: 'Март' },
  { en: 'April', ru: 'Апрель', ky: 'Апрель' },
  { en: 'May', ru: 'Май', ky: 'Май' },
  { en: 'June', ru: 'Июнь', ky: 'Июнь' },
  { en: 'July', ru: 'Июль', ky: 'Июль' },
  { en: 'August', ru: 'Август', ky: 'Август' },
  { en: 'September', ru: 'Сентябрь', ky: 'Сентябрь' },
  { en: 'October', ru: 'Октябрь', ky: 'Октябрь' },
  { en: 'November', ru: 'Ноябрь', ky: 'Ноябрь' },
  { en: 'December', ru: 'Декабрь', ky: 'Декабрь' },
];

/** The one column of a table asked without `cols`. */
export const ALL_COLUMN = { key: 'all', label: { en: 'All', ru: 'Все', ky: 'Баары' } };

// ── the other statistics answers ───────────────────────────────────────────────────────────────────────

const day = z.iso.date({ message: 'must be a date, YYYY-MM-DD' });
const period = {
  from: day.meta({ description: 'first day (inclusive), Asia/Bishkek' }),
  to: day.meta({ description: 'last day (inclusive), Asia/Bishkek' }),
};
const fromNotAfterTo = (q: { from: string; to: string }) => q.from <= q.to;
const fromAfterTo = { message: '`from` must not be after `to`.', path: ['to'] };

export const StatisticsPeriodQuery = z.object(period).strict().refine(fromNotAfterTo, fromAfterTo);
export type StatisticsPeriodQuery = z.infer<typeof StatisticsPeriodQuery>;

export const QueueStatisticsQuery = z
  .object({
    ...period,
    by: z.enum(['day', 'week', 'month'], { message: 'by must be day, week or month' }).default('day'),
  })
  .strict()
  .refine(fromNotAfterTo, fromAfterTo);
export type QueueStatisticsQuery = z.infer<typeof QueueStatisticsQuery>;

/**
 * Queue figures per period, under disclosure control like every published figure (and like the queue export):
 * a count of 1..k−1 calls is suppressed; service level, ASA and AHT only over at least k calls.
 */
export const QueueStatistics = z
  .object({
    k: z.number().int(),
    by: z.enum(['day', 'week', 'month']),
    thresholdSeconds: z.number().int(),
    periods: z.array(
      z.object({
        /** First and last day of the period (Asia/Bishkek), clipped to the asked range. */
        from: z.string(),
        to: z.string(),
        offered: Cell,
        answered: Cell,
        abandoned: Cell,
        shortAbandoned: Cell,
        lost: Cell,
        /** 0..1: answered within the threshold ÷ (answered + abandoned − short-abandoned). */
        serviceLevel: Cell,
        asaSeconds: Cell,
        ahtSeconds: Cell,
      }),
    ),
  })
  .meta({ id: 'QueueStatistics' });
export type QueueStatistics = z.infer<typeof QueueStatistics>;

export const REFERRAL_STATISTICS_BY = ['partner_type', 'organisation', 'region'] as const;
export const ReferralStatisticsQuery = z
  .object({
    ...period,
    by: z
      .enum(REFERRAL_STATISTICS_BY, { message: 'by must be partner_type, organisation or region' })
      .default('partner_type'),
  })
  .strict()
  .refine(fromNotAfterTo, fromAfterTo);
export type ReferralStatisticsQuery = z.infer<typeof ReferralStatisticsQuery>;

const Share = Cell.meta({ description: 'percent of sent; suppressed when its count or `sent` is' });
const Minutes = Cell.meta({
  description: 'minutes; suppressed unless at least k referrals were acknowledged',
});

export const ReferralStatistics = z
  .object({
    k: z.number().int(),
    by: z.enum(REFERRAL_STATISTICS_BY),
    groups: z.array(
      StatisticsLabel.extend({
        sent: Cell,
        acknowledged: Cell,
        ackMedianMinutes: Minutes,
        ackP90Minutes: Minutes,
        accepted: Cell,
        rejected: Cell,
        done: Cell,
        acceptedShare: Share,
        rejectedShare: Share,
        doneShare: Share,
        escalations: Cell,
        failures: Cell,
      }),
    ),
  })
  .meta({ id: 'ReferralStatistics' });
export type ReferralStatistics = z.infer<typeof ReferralStatistics>;

export const FollowUpStatistics = z
  .object({
    k: z.number().int(),
    /** Follow-ups due in the period (cancelled ones left out). */
    due: Cell,
    /**
     * Done before they became overdue (the safe window closed, or two hours after raising without one). Done
     * late is not published: with due, on time and missed it would give away a suppressed count.
     */
    doneOnTime: Cell,
    missed: Cell,
  })
  .meta({ id: 'FollowUpStatistics' });
export type FollowUpStatistics = z.infer<typeof FollowUpStatistics>;
