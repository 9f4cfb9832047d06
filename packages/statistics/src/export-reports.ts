import {
  ALL_COLUMN,
  type Cell,
  type ExportParams,
  type ExportReport,
  type Locale,
  type LocalizedText,
  queuePeriodOf,
  type ReferralStatistics,
  referralsByOf,
  STATISTICS_DIMENSION_LABELS,
  type StatisticsDimensionKey,
  type StatisticsTable,
  suppressedMarker,
} from '@korgon/domain';
import { isDimensionKey, isMultiValued, type Queryable } from './dimensions';
import type { ExportSheet, ExportValue, SheetContent } from './export-files';
import { followUpStatistics, periodsOf, queueStatistics, referralStatistics } from './reports';
import { statisticsTable, type TableRequest } from './tables';

/** What a report is made from: the database, and the settings the statistics API publishes with. */
export interface ReportSources {
  pool: Queryable;
  /** Disclosure control's k (STATISTICS_MIN_CELL). */
  k: number;
  /** The queue's service level threshold (BOARD_SERVICE_LEVEL_SECONDS). */
  thresholdSeconds: number;
}

export interface BuiltReport {
  sheets: ExportSheet[];
  notes: string[];
  notesTitle: string;
  /** The downloaded file's name without its extension: ASCII, no personal data. */
  fileStem: string;
}

const T = {
  total: { ky: 'Бардыгы', ru: 'Итого', en: 'Total' },
  all: { ky: 'Бардыгы', ru: 'Все', en: 'All' },
  notes: { ky: 'Эскертүүлөр', ru: 'Примечания', en: 'Notes' },
  period: { ky: 'Мезгил', ru: 'Период', en: 'Period' },
  marker: {
    ky: (k: number) =>
      `"${suppressedMarker(k)}": 1ден ${k - 1}ге чейинки сан (же андан чыгарылган көрсөткүч) жашырылган, чалуучуну тааныбоо үчүн; ал 0 эмес.`,
    ru: (k: number) =>
      `"${suppressedMarker(k)}": число от 1 до ${k - 1} (или выведенный из него показатель) скрыто, чтобы нельзя было узнать обратившегося; это не 0.`,
    en: (k: number) =>
      `"${suppressedMarker(k)}": a count from 1 to ${k - 1} (or a figure derived from one) is withheld so that no caller can be recognised; it is not 0.`,
  },
  counted: {
    ky: 'Эсепке бүткөрүлгөн консультациялар гана кирет, чалуучу статистикалык колдонууга каршы болбогон.',
    ru: 'Учтены только завершённые консультации, где обратившийся не отказался от статистического использования.',
    en: 'Only finalized consultations whose caller did not refuse statistical use are counted.',
  },
  multi: {
    ky: 'Көп маанилүү өлчөм: бир жазуу бир нече катарда саналат; жыйынтыктар жазууларды санайт, сандардын суммасын эмес.',
    ru: 'Многозначное измерение: запись учитывается в нескольких строках; итоги считают записи, а не сумму ячеек.',
    en: 'Multi-valued dimension: a record counts under each of its values; totals count records, not the sum of cells.',
  },
  queueNote: {
    ky: 'Кезек: мезгилде берилген чалуулар. Тейлөө деңгээли, ASA жана AHT аз дегенде k чалуудан гана көрсөтүлөт.',
    ru: 'Очередь: звонки, поступившие за период. Уровень обслуживания, ASA и AHT показаны только по не менее чем k звонкам.',
    en: 'Queue: the calls offered in the period. Service level, ASA and AHT are shown only over at least k calls.',
  },
  queueHeader: {
    ky: [
      'Мезгил',
      'Берилген',
      'Жооп берилген',
      'Таштанган',
      'Кыска таштанган',
      'Жоголгон',
      'Тейлөө деңгээли, %',
      'ASA, сек',
      'AHT, сек',
    ],
    ru: [
      'Период',
      'Поступило',
      'Отвечено',
      'Брошено',
      'Коротко брошено',
      'Потеряно',
      'Уровень обслуживания, %',
      'ASA, сек',
      'AHT, сек',
    ],
    en: [
      'Period',
      'Offered',
      'Answered',
      'Abandoned',
      'Short-abandoned',
      'Lost',
      'Service level, %',
      'ASA, s',
      'AHT, s',
    ],
  },
  queueSheet: { ky: 'Кезек', ru: 'Очередь', en: 'Queue' },
  referralsSheet: { ky: 'Жолдомолор', ru: 'Направления', en: 'Referrals' },
  referralsBy: {
    partner_type: { ky: 'Өнөктөштүн түрү', ru: 'Тип партнёра', en: 'Partner type' },
    organisation: { ky: 'Уюм', ru: 'Организация', en: 'Organisation' },
    region: { ky: 'Аймак', ru: 'Регион', en: 'Region' },
  },
  referralsHeader: {
    ky: [
      'Жөнөтүлдү',
      'Тастыкталды',
      'Тастыктоого чейинки убакыт, медиана, мүн',
      'Тастыктоого чейинки убакыт, 90-процентиль, мүн',
      'Ишке алынды',
      'Ишке алынды, жөнөтүлгөндөн %',
      'Четке кагылды',
      'Четке кагылды, жөнөтүлгөндөн %',
      'Аткарылды',
      'Аткарылды, жөнөтүлгөндөн %',
      'Жогору жакка билдирүүлөр',
      'Жеткирилбегендер',
    ],
    ru: [
      'Отправлено',
      'Подтверждено',
      'Время до подтверждения, медиана, мин',
      'Время до подтверждения, 90-й процентиль, мин',
      'Принято в работу',
      'Принято в работу, % от отправленных',
      'Отклонено',
      'Отклонено, % от отправленных',
      'Выполнено',
      'Выполнено, % от отправленных',
      'Эскалации',
      'Сбои доставки',
    ],
    en: [
      'Sent',
      'Acknowledged',
      'Time to acknowledge, median, min',
      'Time to acknowledge, 90th percentile, min',
      'Accepted',
      'Accepted, % of sent',
      'Rejected',
      'Rejected, % of sent',
      'Done',
      'Done, % of sent',
      'Escalations',
      'Delivery failures',
    ],
  },
  referralsNote: {
    ky: 'Жолдомолор: мезгилдин бир күнүндө жасалган (долбоор эмес), эсепке алынган консультациялардан. Үлүштөр жөнөтүлгөндөрдөн; үлүш анын саны же жөнөтүлгөндөр жашырылганда жашырылат. Медиана жана 90-процентиль кеминде k тастыкталган жолдомо боюнча гана көрсөтүлөт.',
    ru: 'Направления: сделанные (не черновики) в день периода, по учтённым консультациям. Доли — от отправленных; доля скрыта, если скрыто её число или число отправленных. Медиана и 90-й процентиль показаны только по не менее чем k подтверждённым направлениям.',
    en: 'Referrals: made (not drafts) on a day of the period, from counted consultations. Shares are of those sent; a share is withheld when its count or the sent count is. The median and 90th percentile are shown only over at least k acknowledged referrals.',
  },
  followUpsSheet: { ky: 'Кайра чалуулар', ru: 'Контрольные звонки', en: 'Follow-ups' },
  followUpsHeader: {
    ky: ['Кайра чалуулар', 'Саны'],
    ru: ['Контрольные звонки', 'Количество'],
    en: ['Follow-ups', 'Number'],
  },
  followUpsRows: {
    due: { ky: 'Пландалган', ru: 'Запланировано', en: 'Due' },
    doneOnTime: { ky: 'Өз убагында аткарылды', ru: 'Выполнено вовремя', en: 'Done on time' },
    missed: { ky: 'Өткөрүлүп жиберилди', ru: 'Пропущено', en: 'Missed' },
  },
  followUpsNote: {
    ky: 'Кайра чалуулар: мөөнөтү мезгилдин бир күнүнө туура келгендер, эсепке алынган консультациялардан; жокко чыгарылгандар эсептелбейт. «Өз убагында» — мөөнөтү өтө электе аткарылган. Кечигип аткарылгандар көрсөтүлбөйт: башкалары менен бирге алар жашырылган санды ачып коюшу мүмкүн.',
    ru: 'Контрольные звонки: со сроком в день периода, по учтённым консультациям; отменённые не учитываются. «Вовремя» — выполнено до того, как срок истёк. Выполненные с опозданием не показываются: вместе с остальными они могли бы раскрыть скрытое число.',
    en: 'Follow-ups: due on a day of the period, of counted consultations; cancelled ones are left out. “On time”: done before it became overdue. Those done late are not shown: with the others they could give a withheld count away.',
  },
  filters: {
    ky: (p: ExportParams) => `Мезгил: ${p.from} – ${p.to} (Бишкек убактысы).`,
    ru: (p: ExportParams) => `Период: ${p.from} – ${p.to} (время Бишкека).`,
    en: (p: ExportParams) => `Period: ${p.from} to ${p.to} (Asia/Bishkek).`,
  },
  missing: {
    ky: (names: string) => `Бул отчетко азырынча кирген жок: ${names}.`,
    ru: (names: string) => `Пока не включено в отчёт: ${names}.`,
    en: (names: string) => `Not included in this report yet: ${names}.`,
  },
} as const;

/** A published cell as a file's value: the marker for a suppressed one, never 0. */
export function cellValue(c: Cell, k: number): ExportValue {
  return c.suppressed || c.value === null ? suppressedMarker(k) : c.value;
}

const round1 = (v: number) => Math.round(v * 10) / 10;

/** The queue's service figures per period, as GET /api/statistics/queue publishes them. */
async function* queueRows(src: ReportSources, p: ExportParams): AsyncGenerator<ExportValue[]> {
  const by = queuePeriodOf(p.by);
  const periods = periodsOf(p.from, p.to, by);
  const k = src.k;
  const v = (c: Cell) => cellValue(c, k);
  // A month of periods at a time: each statement scans only its windows' calls.
  for (let i = 0; i < periods.length; i += 31) {
    const first = periods[i];
    const last = periods[Math.min(i + 30, periods.length - 1)];
    if (!first || !last) break;
    const stats = await queueStatistics(src.pool, {
      from: first.from,
      to: last.to,
      by,
      thresholdSeconds: src.thresholdSeconds,
      k,
    });
    for (const r of stats.periods) {
      const pct: Cell =
        r.serviceLevel.value === null
          ? r.serviceLevel
          : { ...r.serviceLevel, value: round1(r.serviceLevel.value * 100) };
      const secs = (c: Cell): Cell => (c.value === null ? c : { ...c, value: round1(c.value) });
      yield [
        by === 'month' ? r.from.slice(0, 7) : r.from === r.to ? r.from : `${r.from} – ${r.to}`,
        v(r.offered),
        v(r.answered),
        v(r.abandoned),
        v(r.shortAbandoned),
        v(r.lost),
        // A derived figure over no call at all is empty, not suppressed.
        r.serviceLevel.value === null && !r.serviceLevel.suppressed ? null : v(pct),
        r.asaSeconds.value === null && !r.asaSeconds.suppressed ? null : v(secs(r.asaSeconds)),
        r.ahtSeconds.value === null && !r.ahtSeconds.suppressed ? null : v(secs(r.ahtSeconds)),
      ];
    }
  }
}

/**
 * A derived figure (a share, a time) as a file's value, rounded to a tenth (presentation): the marker when it
 * is suppressed, an empty cell when there is nothing to derive it from (nothing sent, nothing acknowledged).
 */
export function derivedValue(c: Cell, k: number): ExportValue {
  if (c.suppressed) return suppressedMarker(k);
  return c.value === null ? null : round1(c.value);
}

/** Referral performance, each group as GET /api/statistics/referrals publishes it (referralStatistics). */
export function referralRows(stats: ReferralStatistics, locale: Locale): ExportValue[][] {
  const k = stats.k;
  const v = (c: Cell) => cellValue(c, k);
  const d = (c: Cell) => derivedValue(c, k);
  return stats.groups.map((g) => [
    g.label[locale] || g.label.en,
    v(g.sent),
    v(g.acknowledged),
    d(g.ackMedianMinutes),
    d(g.ackP90Minutes),
    v(g.accepted),
    d(g.acceptedShare),
    v(g.rejected),
    d(g.rejectedShare),
    v(g.done),
    d(g.doneShare),
    v(g.escalations),
    v(g.failures),
  ]);
}

function referralsSheet(src: ReportSources, p: ExportParams, locale: Locale): ExportSheet {
  const by = referralsByOf(p.by);
  return {
    name: T.referralsSheet[locale],
    load: async () => {
      const stats = await referralStatistics(src.pool, { from: p.from, to: p.to, by, k: src.k });
      const rows = referralRows(stats, locale);
      return {
        header: [T.referralsBy[by][locale], ...T.referralsHeader[locale]],
        rows,
        expected: rows.length,
      };
    },
  };
}

function followUpsSheet(src: ReportSources, p: ExportParams, locale: Locale): ExportSheet {
  return {
    name: T.followUpsSheet[locale],
    load: async () => {
      const stats = await followUpStatistics(src.pool, { from: p.from, to: p.to, k: src.k });
      const rows = (['due', 'doneOnTime', 'missed'] as const).map((key) => [
        T.followUpsRows[key][locale],
        cellValue(stats[key], stats.k),
      ]);
      return { header: T.followUpsHeader[locale], rows, expected: rows.length };
    },
  };
}

function queueSheet(src: ReportSources, p: ExportParams, locale: Locale): ExportSheet {
  return {
    name: T.queueSheet[locale],
    load: async () => ({
      header: T.queueHeader[locale],
      rows: queueRows(src, p),
      expected: periodsOf(p.from, p.to, queuePeriodOf(p.by)).length,
    }),
  };
}

function dimensionLabel(key: string, locale: Locale): string {
  return isDimensionKey(key) ? STATISTICS_DIMENSION_LABELS[key][locale] : key;
}

/** A published table as rows: each row's label, its cells, its total; then the column totals. */
export function tableSheet(table: StatisticsTable, corner: string, locale: Locale): SheetContent {
  const k = table.k;
  const single = table.cols.length === 1 && table.cols[0]?.key === ALL_COLUMN.key;
  const header = [corner, ...table.cols.map((c) => c.label[locale]), ...(single ? [] : [T.total[locale]])];
  const rows: ExportValue[][] = table.rows.map((r, i) => [
    r.label[locale],
    ...(table.cells[i] ?? []).map((c) => cellValue(c, k)),
    ...(single ? [] : [cellValue(table.rowTotals[i] ?? { value: null, suppressed: true }, k)]),
  ]);
  rows.push([
    T.total[locale],
    ...table.colTotals.map((c) => cellValue(c, k)),
    ...(single ? [] : [cellValue(table.total, k)]),
  ]);
  return { header, rows };
}

/**
 * The standard tables of the Ministry's monthly report (issue 12), in its order. Titles are sheet names: at most
 * 31 characters, none of []:*?/\.
 */
export const MONTHLY_TABLES: readonly {
  title: LocalizedText;
  rows: string;
  cols?: string;
}[] = [
  {
    title: { ky: 'Кайрылуулар — түрү × ай', ru: 'Обращения — вид × месяц', en: 'Contacts — kind × month' },
    rows: 'contactKind',
    cols: 'month',
  },
  {
    title: {
      ky: 'Жабыркагандар — жынысы × жашы',
      ru: 'Пострадавшие — пол × возраст',
      en: 'Survivors — gender × age',
    },
    rows: 'ageBand',
    cols: 'gender',
  },
  { title: { ky: 'Аймак', ru: 'Регион', en: 'Region' }, rows: 'region' },
  {
    title: { ky: 'Зомбулуктун түрлөрү', ru: 'Формы насилия', en: 'Forms of violence' },
    rows: 'violenceForms',
  },
  { title: { ky: 'Тобокелдик деңгээли', ru: 'Уровни риска', en: 'Risk levels' }, rows: 'riskLevel' },
  {
    title: {
      ky: 'Жолдомолор — өнөктөш × жыйынтык',
      ru: 'Направления — партнёр × итог',
      en: 'Referrals — partner × outcome',
    },
    rows: 'referralPartnerType',
    cols: 'referralOutcome',
  },
  { title: { ky: 'Майыптык', ru: 'Инвалидность', en: 'Disability' }, rows: 'disability' },
];

const monthBounds = (month: string) => {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return { from: `${month}-01`, to: `${month}-${String(last).padStart(2, '0')}` };
};

export { monthBounds };

/**
 * Builds a report's sheets (computed lazily, as the writer reaches them) and its notes. Throws an
 * `ExportUnavailable` when what it needs is not there (a table report without the tables' computation).
 */
export function buildReport(
  src: ReportSources,
  report: ExportReport,
  p: ExportParams,
  locale: Locale,
): BuiltReport {
  const notes = [T.filters[locale](p), T.marker[locale](src.k)];
  const notesTitle = T.notes[locale];
  if (report === 'queue') {
    notes.push(T.queueNote[locale]);
    return {
      sheets: [queueSheet(src, p, locale)],
      notes,
      notesTitle,
      fileStem: `korgon-queue-${queuePeriodOf(p.by)}-${p.from}_${p.to}`,
    };
  }
  if (report === 'referrals') {
    notes.push(T.referralsNote[locale], T.counted[locale]);
    return {
      sheets: [referralsSheet(src, p, locale)],
      notes,
      notesTitle,
      fileStem: `korgon-referrals-${referralsByOf(p.by)}-${p.from}_${p.to}`,
    };
  }
  if (report === 'follow-ups') {
    notes.push(T.followUpsNote[locale], T.counted[locale]);
    return {
      sheets: [followUpsSheet(src, p, locale)],
      notes,
      notesTitle,
      fileStem: `korgon-follow-ups-${p.from}_${p.to}`,
    };
  }
  notes.push(T.counted[locale]);
  const multi = (key: StatisticsDimensionKey | undefined) => key !== undefined && isMultiValued(key);
  const tableOf = (name: string, q: TableRequest): ExportSheet => ({
    name,
    load: async () => {
      const corner = [q.rows, q.cols]
        .filter((x): x is StatisticsDimensionKey => !!x)
        .map((d) => dimensionLabel(d, locale))
        .join(' × ');
      return tableSheet(await statisticsTable(src.pool, q, src.k), corner, locale);
    },
  });
  const requestOf = (rows: string, cols: string | undefined): TableRequest => {
    if (!isDimensionKey(rows) || (cols !== undefined && !isDimensionKey(cols)) || rows === cols)
      throw new ExportUnavailable(`There is no table of \`${rows}\`${cols ? ` × \`${cols}\`` : ''}.`);
    return { from: p.from, to: p.to, rows, ...(cols ? { cols } : {}) };
  };
  if (report === 'table') {
    const q = requestOf(p.rows ?? '', p.cols);
    if (multi(q.rows) || multi(q.cols)) notes.push(T.multi[locale]);
    return {
      sheets: [tableOf(dimensionLabel(q.rows, locale), q)],
      notes,
      notesTitle,
      fileStem: `korgon-table-${[q.rows, q.cols].filter(Boolean).join('-x-')}-${p.from}_${p.to}`.replace(
        /[^A-Za-z0-9._-]/g,
        '_',
      ),
    };
  }
  // The monthly report: every standard table the tables' computation knows, then the queue's figures by day.
  const sheets: ExportSheet[] = [];
  const missing: string[] = [];
  for (const t of MONTHLY_TABLES) {
    if (!isDimensionKey(t.rows) || (t.cols !== undefined && !isDimensionKey(t.cols))) {
      missing.push(t.title[locale]);
      continue;
    }
    const q = requestOf(t.rows, t.cols);
    if ((multi(q.rows) || multi(q.cols)) && !notes.includes(T.multi[locale])) notes.push(T.multi[locale]);
    sheets.push(tableOf(t.title[locale], q));
  }
  sheets.push(queueSheet(src, { ...p, by: 'day' }, locale));
  notes.push(T.queueNote[locale]);
  if (missing.length > 0) notes.push(T.missing[locale](missing.join('; ')));
  return { sheets, notes, notesTitle, fileStem: `korgon-monthly-${p.month ?? p.from.slice(0, 7)}` };
}

/** The report cannot be built here (a missing computation): the export fails with this message. */
export class ExportUnavailable extends Error {
  override name = 'ExportUnavailable';
}
