import { type BoardFigures, type BoardWindow, type Locale, OPERATOR_STATUSES } from '@korgon/domain';
import type { TFunction } from 'i18next';
import { type ReactNode, useEffect, useId } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDuration, useServerNow } from '../../features/queue/queue-hooks';
import { useCurrentLocale } from '../../i18n/language';
import { describeError } from '../../lib/describe-error';
import { useFiguresStore, watchFigures } from './figures-store';

/**
 * A wait longer than this is an alert (the alerts' default wait threshold, docs/board.md): the longest wait
 * turns red and says so in words.
 */
export const LONG_WAIT_SECONDS = 60;
/** The usual contact-centre target: 80 % of calls answered within the threshold (the "80/20" rule). */
export const SERVICE_LEVEL_TARGET = 0.8;

type WindowKey = keyof BoardFigures['windows'];
const WINDOWS: readonly WindowKey[] = ['hour', 'shift', 'today'];

const percentFormats = new Map<Locale, Intl.NumberFormat>();
function formatPercent(fraction: number, locale: Locale): string {
  let f = percentFormats.get(locale);
  if (!f) {
    const usable = Intl.NumberFormat.supportedLocalesOf(locale).length > 0 ? locale : 'ru';
    f = new Intl.NumberFormat(usable, { style: 'percent', maximumFractionDigits: 0 });
    percentFormats.set(locale, f);
  }
  return f.format(fraction);
}

const clock = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Asia/Bishkek',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});
const day = new Intl.DateTimeFormat('ru-KG', { timeZone: 'Asia/Bishkek', day: '2-digit', month: '2-digit' });
/** "20:00–08:00" in Bishkek time, whatever the device's zone; the day as its date. */
const span = (k: WindowKey, w: BoardWindow) =>
  k === 'today'
    ? day.format(new Date(w.from))
    : `${clock.format(new Date(w.from))}–${clock.format(new Date(w.to))}`;

const seconds = (s: number | null) => (s === null ? '—' : formatDuration(s * 1000));

function ServiceLevel({ w, locale, t }: { w: BoardWindow; locale: Locale; t: TFunction }) {
  if (w.serviceLevel === null)
    return (
      <span className="sl sl-none" data-level="none">
        —<span className="sr-only"> {t('boardFigures.slNone')}</span>
      </span>
    );
  const ok = w.serviceLevel >= SERVICE_LEVEL_TARGET;
  return (
    <span className={ok ? 'sl sl-ok' : 'sl sl-low'} data-level={ok ? 'ok' : 'low'}>
      {formatPercent(w.serviceLevel, locale)}{' '}
      <span className="sl-note">
        {ok
          ? t('boardFigures.slOnTarget')
          : t('boardFigures.slBelow', { target: formatPercent(SERVICE_LEVEL_TARGET, locale) })}
      </span>
    </span>
  );
}

/** The ticking longest wait: from the server's `longestWaitSince`, in server time (the queue's clock offset). */
function LongestWait({ since, t }: { since: string | null; t: TFunction }) {
  const now = useServerNow();
  if (since === null)
    return (
      <dd data-testid="figure-longest-wait" data-long="false">
        —<span className="sr-only"> {t('boardFigures.nobodyWaits')}</span>
      </dd>
    );
  const ms = now - Date.parse(since);
  const long = ms > LONG_WAIT_SECONDS * 1000;
  return (
    <dd className={long ? 'figure-alarm' : undefined} data-testid="figure-longest-wait" data-long={long}>
      <span className="timer" data-testid="figure-longest-wait-time">
        {formatDuration(ms)}
      </span>
      {long && (
        <span className="figure-note" data-testid="figure-longest-wait-note">
          ⚠ {t('boardFigures.overWait', { seconds: LONG_WAIT_SECONDS })}
        </span>
      )}
    </dd>
  );
}

type Row = { key: string; label: string; cell: (w: BoardWindow) => ReactNode };

/**
 * The board's figures (docs/board.md "Figures"): what is happening now (calls waiting, the longest wait,
 * calls in progress, operators by state, supervisors apart), and the service figures of the current hour,
 * shift and day side by side. Read on arrival and at every reconnect; `board:figures` pushes keep it current.
 */
export function FiguresPanel() {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const figures = useFiguresStore((s) => s.figures);
  const error = useFiguresStore((s) => s.error);
  const headingId = useId();
  const liveId = useId();
  const tableId = useId();
  const slNoteId = useId();

  useEffect(() => watchFigures(), []);

  const live = figures?.live;
  const shown = (n: number | undefined) => (n === undefined ? '—' : String(n));
  const threshold = figures?.windows.today.thresholdSeconds ?? 20;
  const rows: Row[] = [
    { key: 'offered', label: t('boardFigures.offered'), cell: (w) => w.offered },
    { key: 'answered', label: t('boardFigures.answered'), cell: (w) => w.answered },
    { key: 'abandoned', label: t('boardFigures.abandoned'), cell: (w) => w.abandoned },
    { key: 'short', label: t('boardFigures.shortAbandoned'), cell: (w) => w.shortAbandoned },
    { key: 'lost', label: t('boardFigures.lost'), cell: (w) => w.lost },
    {
      key: 'sl',
      label: t('boardFigures.serviceLevel', { seconds: threshold }),
      cell: (w) => <ServiceLevel w={w} locale={locale} t={t} />,
    },
    { key: 'asa', label: t('boardFigures.asa'), cell: (w) => seconds(w.asaSeconds) },
    { key: 'aht', label: t('boardFigures.aht'), cell: (w) => seconds(w.ahtSeconds) },
    { key: 'wrap', label: t('boardFigures.wrapUp'), cell: (w) => seconds(w.wrapUpSeconds) },
  ];
  const anyNoServiceLevel = figures ? WINDOWS.some((k) => figures.windows[k].serviceLevel === null) : false;

  return (
    <section className="panel board-figures" aria-labelledby={headingId} data-testid="figures-panel">
      <h2 id={headingId}>{t('boardFigures.title')}</h2>
      {error !== null && figures === null && (
        <div className="alert alert-error" role="alert">
          <p>
            {t('boardFigures.loadFailed')} {describeError(error, t)}
          </p>
        </div>
      )}
      {live && (
        <p className="sr-only" role="status">
          {t('boardFigures.waitingAnnounce', { count: live.waiting })}
        </p>
      )}
      <div className="board-figures-grid">
        <section className="board-live" aria-labelledby={liveId}>
          <h3 id={liveId}>{t('boardFigures.now')}</h3>
          <dl className="figures figures-now">
            <div className="figure figure-main">
              <dt>{t('board.waitingNow')}</dt>
              <dd data-testid="figure-waiting">{shown(live?.waiting)}</dd>
            </div>
            <div className="figure figure-main">
              <dt>{t('board.longestWait')}</dt>
              <LongestWait since={live?.longestWaitSince ?? null} t={t} />
            </div>
            <div className="figure figure-main">
              <dt>{t('board.inProgress')}</dt>
              <dd data-testid="figure-in-progress">{shown(live?.inProgress)}</dd>
            </div>
          </dl>
          <h3 className="board-figures-sub">{t('boardFigures.operatorsByState')}</h3>
          <dl className="figures figures-small figures-states">
            {OPERATOR_STATUSES.map((status) => (
              <div className={`figure figure-state figure-state-${status}`} key={status}>
                <dt>{t(`queue.status.${status}`)}</dt>
                <dd data-testid={`figure-state-${status}`}>{shown(live?.operators[status])}</dd>
              </div>
            ))}
            <div className="figure figure-state figure-supervisors">
              <dt>{t('boardFigures.supervisorsOnline')}</dt>
              <dd data-testid="figure-supervisors">{shown(live?.supervisorsOnline)}</dd>
            </div>
          </dl>
        </section>

        <div className="board-windows">
          <h3 id={tableId}>{t('boardFigures.service')}</h3>
          {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard on narrow screens. */}
          <section className="table-scroll" aria-labelledby={tableId} tabIndex={0}>
            <table className="table table-figures" data-testid="figures-table">
              <thead>
                <tr>
                  <td />
                  {WINDOWS.map((k) => (
                    <th scope="col" key={k}>
                      {t(`boardFigures.window.${k}`)}
                      {figures && <span className="window-span">{span(k, figures.windows[k])}</span>}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr key={row.key}>
                    <th
                      scope="row"
                      aria-describedby={row.key === 'sl' && anyNoServiceLevel ? slNoteId : undefined}
                    >
                      {row.label}
                    </th>
                    {WINDOWS.map((k) => (
                      <td key={k} data-testid={`metric-${row.key}-${k}`}>
                        {figures ? row.cell(figures.windows[k]) : '—'}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          <p className="muted board-figures-notes" id={slNoteId}>
            {t('boardFigures.slExplained', { seconds: threshold })}
            {anyNoServiceLevel && <> {t('boardFigures.slNoneExplained')}</>}
          </p>
        </div>
      </div>
    </section>
  );
}
