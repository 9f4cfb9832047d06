import type { BoardCharts } from '@korgon/domain';
import { AxisBottom, AxisLeft } from '@visx/axis';
import { curveStepAfter } from '@visx/curve';
import { Group } from '@visx/group';
import { scaleBand, scaleLinear, scaleTime } from '@visx/scale';
import { Bar, Line, LinePath } from '@visx/shape';
import { type ReactNode, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useElementWidth } from '../../components/use-element-width';

/**
 * The board's charts (ADR 0003): drawn with visx as plain SVG that this file controls, so every chart is an
 * image with a name and a description, and its numbers are one button away as a table. Loaded only on the
 * board (React.lazy): visx and its d3 parts are in their own chunk.
 *
 * Colours: the Okabe–Ito palette (told apart with every common colour blindness), each series also told by
 * its form (bars, a dashed line, a solid line), and the system colours in forced-colours (high contrast) mode
 * (styles/board-figures.css).
 */

const HEIGHT = 190;
const MARGIN = { top: 12, right: 22, bottom: 28, left: 44 };
/** The service level the board measures against (figures-panel.tsx's SERVICE_LEVEL_TARGET). */
const TARGET = 0.8;

const hh = (h: number) => `${String(h).padStart(2, '0')}:00`;
const clock = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Asia/Bishkek',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});
const round1 = (n: number) => Math.round(n * 10) / 10;

const useWidth = () => useElementWidth(480, 240);

/** A chart: an SVG image with a name and a description, a legend in words, and its numbers as a table. */
function Chart({
  id,
  title,
  summary,
  legend,
  draw,
  table,
}: {
  id: string;
  title: string;
  summary: string;
  legend: ReactNode;
  draw: (width: number) => ReactNode;
  table: ReactNode;
}) {
  const { t } = useTranslation();
  const [ref, width] = useWidth();
  const [showTable, setShowTable] = useState(false);
  const titleId = useId();
  const descId = useId();
  const tableId = useId();
  return (
    <figure className="board-chart" data-testid={`chart-${id}`}>
      <figcaption className="board-chart-title">{title}</figcaption>
      <div ref={ref} className="board-chart-box">
        <svg
          role="img"
          aria-labelledby={titleId}
          aria-describedby={descId}
          width={width}
          height={HEIGHT}
          viewBox={`0 0 ${width} ${HEIGHT}`}
          data-testid={`chart-${id}-svg`}
        >
          <title id={titleId}>{title}</title>
          <desc id={descId}>{summary}</desc>
          {draw(width)}
        </svg>
      </div>
      <div className="board-chart-legend">{legend}</div>
      <button
        type="button"
        className="button button-small"
        aria-expanded={showTable}
        aria-controls={tableId}
        onClick={() => setShowTable((v) => !v)}
        data-testid={`chart-${id}-toggle`}
      >
        {showTable ? t('boardCharts.hideTable') : t('boardCharts.showTable')}
      </button>
      <div id={tableId} hidden={!showTable} className="table-scroll board-chart-table">
        {showTable && table}
      </div>
    </figure>
  );
}

function Key({ kind, children }: { kind: string; children: ReactNode }) {
  return (
    <span className="chart-key">
      <svg width="22" height="12" aria-hidden="true" focusable="false">
        {kind === 'bar' && <rect className="chart-bar" x="3" y="1" width="16" height="10" />}
        {kind === 'dash' && <line className="chart-typical" x1="1" y1="6" x2="21" y2="6" />}
        {kind === 'line' && <line className="chart-line" x1="1" y1="6" x2="21" y2="6" />}
        {kind === 'target' && <line className="chart-target" x1="1" y1="6" x2="21" y2="6" />}
        {kind === 'sl' && <rect className="chart-sl" x="3" y="1" width="16" height="10" />}
      </svg>
      {children}
    </span>
  );
}

/** The three charts of GET /api/board/charts. */
export default function BoardChartsView({ charts }: { charts: BoardCharts }) {
  const { t } = useTranslation();
  const pct = (f: number | null) => (f === null ? '—' : `${Math.round(f * 100)} %`);
  const hours = charts.hours;

  // 1. Calls per hour against the typical day.
  const offeredSoFar = hours.reduce((n, h) => n + (h.offered ?? 0), 0);
  const typicalTotal = round1(hours.reduce((n, h) => n + h.typicalOffered, 0));
  const busiest = hours.reduce<(typeof hours)[number] | null>(
    (best, h) => (h.offered !== null && (best === null || h.offered > (best.offered ?? 0)) ? h : best),
    null,
  );
  const callsMax = Math.max(1, ...hours.map((h) => Math.max(h.offered ?? 0, h.typicalOffered)));

  const drawCalls = (width: number) => {
    const innerW = width - MARGIN.left - MARGIN.right;
    const innerH = HEIGHT - MARGIN.top - MARGIN.bottom;
    const x = scaleBand<number>({ domain: hours.map((h) => h.hour), range: [0, innerW], padding: 0.2 });
    const y = scaleLinear<number>({ domain: [0, callsMax], range: [innerH, 0], nice: true });
    return (
      <Group left={MARGIN.left} top={MARGIN.top}>
        {hours.map((h) =>
          h.offered === null ? null : (
            <Bar
              key={h.hour}
              className="chart-bar"
              x={x(h.hour) ?? 0}
              y={y(h.offered)}
              width={x.bandwidth()}
              height={innerH - y(h.offered)}
            />
          ),
        )}
        <LinePath
          className="chart-typical"
          data={hours}
          x={(h) => (x(h.hour) ?? 0) + x.bandwidth() / 2}
          y={(h) => y(h.typicalOffered)}
        />
        <AxisLeft scale={y} numTicks={4} tickFormat={(v) => String(v)} axisClassName="chart-axis" />
        <AxisBottom
          top={innerH}
          scale={x}
          tickValues={hours.filter((h) => h.hour % 3 === 0).map((h) => h.hour)}
          tickFormat={(h) => hh(Number(h))}
          axisClassName="chart-axis"
        />
      </Group>
    );
  };

  // 2. Service level per hour.
  const slHours = hours.filter((h) => h.serviceLevel !== null);
  const below = slHours.filter((h) => (h.serviceLevel ?? 1) < TARGET).map((h) => hh(h.hour));
  const drawSl = (width: number) => {
    const innerW = width - MARGIN.left - MARGIN.right;
    const innerH = HEIGHT - MARGIN.top - MARGIN.bottom;
    const x = scaleBand<number>({ domain: hours.map((h) => h.hour), range: [0, innerW], padding: 0.2 });
    const y = scaleLinear<number>({ domain: [0, 1], range: [innerH, 0] });
    return (
      <Group left={MARGIN.left} top={MARGIN.top}>
        {hours.map((h) =>
          h.serviceLevel === null ? null : (
            <Bar
              key={h.hour}
              className={h.serviceLevel < TARGET ? 'chart-sl chart-sl-low' : 'chart-sl'}
              x={x(h.hour) ?? 0}
              y={y(h.serviceLevel)}
              width={x.bandwidth()}
              height={Math.max(1, innerH - y(h.serviceLevel))}
            />
          ),
        )}
        <Line className="chart-target" from={{ x: 0, y: y(TARGET) }} to={{ x: innerW, y: y(TARGET) }} />
        <AxisLeft
          scale={y}
          tickValues={[0, 0.5, TARGET, 1]}
          tickFormat={(v) => `${Math.round(Number(v) * 100)}%`}
          axisClassName="chart-axis"
        />
        <AxisBottom
          top={innerH}
          scale={x}
          tickValues={hours.filter((h) => h.hour % 3 === 0).map((h) => h.hour)}
          tickFormat={(h) => hh(Number(h))}
          axisClassName="chart-axis"
        />
      </Group>
    );
  };

  // 3. Operators online across the shift.
  const online = charts.operatorsOnline;
  const points = online.points.map((p) => ({ at: new Date(p.at), online: p.online }));
  const onlineMax = Math.max(1, ...points.map((p) => p.online));
  const onlineNow = points.at(-1)?.online ?? 0;
  const drawOnline = (width: number) => {
    const innerW = width - MARGIN.left - MARGIN.right;
    const innerH = HEIGHT - MARGIN.top - MARGIN.bottom;
    const x = scaleTime<number>({
      domain: [new Date(online.from), new Date(online.to)],
      range: [0, innerW],
    });
    const y = scaleLinear<number>({ domain: [0, onlineMax], range: [innerH, 0], nice: true });
    const ticks = Array.from({ length: 5 }, (_, i) => {
      const from = Date.parse(online.from);
      return new Date(from + ((Date.parse(online.to) - from) * i) / 4);
    });
    return (
      <Group left={MARGIN.left} top={MARGIN.top}>
        <LinePath
          className="chart-line"
          data={points}
          x={(p) => x(p.at)}
          y={(p) => y(p.online)}
          // A count holds until it changes: steps, not slopes.
          curve={curveStepAfter}
        />
        <AxisLeft
          scale={y}
          numTicks={Math.min(4, onlineMax)}
          tickFormat={(v) => String(v)}
          axisClassName="chart-axis"
        />
        <AxisBottom
          top={innerH}
          scale={x}
          tickValues={ticks}
          tickFormat={(d) => clock.format(d as Date)}
          axisClassName="chart-axis"
        />
      </Group>
    );
  };

  return (
    <div className="board-charts-grid">
      <Chart
        id="calls"
        title={t('boardCharts.callsTitle')}
        summary={t('boardCharts.callsSummary', {
          total: offeredSoFar,
          typical: typicalTotal,
          busiest: busiest?.offered ? `${hh(busiest.hour)} (${busiest.offered})` : '—',
        })}
        legend={
          <>
            <Key kind="bar">{t('boardCharts.today')}</Key>
            <Key kind="dash">{t('boardCharts.typical')}</Key>
          </>
        }
        draw={drawCalls}
        table={
          <table className="table table-compact" data-testid="chart-calls-table">
            <thead>
              <tr>
                <th scope="col">{t('boardCharts.hour')}</th>
                <th scope="col">{t('boardCharts.today')}</th>
                <th scope="col">{t('boardCharts.typical')}</th>
              </tr>
            </thead>
            <tbody>
              {hours.map((h) => (
                <tr key={h.hour} data-testid="chart-calls-row">
                  <th scope="row">{hh(h.hour)}</th>
                  <td>{h.offered ?? '—'}</td>
                  <td>{round1(h.typicalOffered)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        }
      />
      <Chart
        id="service-level"
        title={t('boardCharts.slTitle', { seconds: charts.thresholdSeconds })}
        summary={
          slHours.length === 0
            ? t('boardCharts.slNone')
            : t('boardCharts.slSummary', {
                count: below.length,
                hours: below.join(', ') || '—',
                target: Math.round(TARGET * 100),
              })
        }
        legend={
          <>
            <Key kind="sl">{t('boardCharts.slLegend')}</Key>
            <Key kind="target">{t('boardCharts.target', { target: Math.round(TARGET * 100) })}</Key>
          </>
        }
        draw={drawSl}
        table={
          <table className="table table-compact" data-testid="chart-service-level-table">
            <thead>
              <tr>
                <th scope="col">{t('boardCharts.hour')}</th>
                <th scope="col">{t('boardCharts.slLegend')}</th>
              </tr>
            </thead>
            <tbody>
              {hours.map((h) => (
                <tr key={h.hour} data-testid="chart-service-level-row">
                  <th scope="row">{hh(h.hour)}</th>
                  <td>{pct(h.serviceLevel)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        }
      />
      <Chart
        id="online"
        title={t('boardCharts.onlineTitle')}
        summary={t('boardCharts.onlineSummary', {
          from: clock.format(new Date(online.from)),
          to: clock.format(new Date(online.to)),
          now: onlineNow,
          max: Math.max(0, ...points.map((p) => p.online)),
        })}
        legend={<Key kind="line">{t('boardCharts.onlineLegend')}</Key>}
        draw={drawOnline}
        table={
          <table className="table table-compact" data-testid="chart-online-table">
            <thead>
              <tr>
                <th scope="col">{t('boardCharts.time')}</th>
                <th scope="col">{t('boardCharts.onlineLegend')}</th>
              </tr>
            </thead>
            <tbody>
              {points.map((p) => (
                <tr key={p.at.toISOString()}>
                  <th scope="row">{clock.format(p.at)}</th>
                  <td>{p.online}</td>
                </tr>
              ))}
            </tbody>
          </table>
        }
      />
    </div>
  );
}
