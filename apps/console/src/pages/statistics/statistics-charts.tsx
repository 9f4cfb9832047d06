import type { StatisticsTable } from '@korgon/domain';
import { AxisBottom, AxisLeft } from '@visx/axis';
import { Group } from '@visx/group';
import { scaleBand, scaleLinear } from '@visx/scale';
import { Bar } from '@visx/shape';
import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { useElementWidth } from '../../components/use-element-width';
import { useCurrentLocale } from '../../i18n/language';
import { formatCount, labelIn } from './statistics-common';

/**
 * The table drawn as bars (ADR 0003: visx, plain SVG, in this lazily loaded chunk of the statistics screen
 * alone). One dimension: a bar per row. Two: bars grouped by row, one per column, told apart by colour (the
 * Okabe–Ito palette) and named in the legend. A hidden figure (fewer than k) is drawn as no bar: a hatched,
 * outlined box over the range 0 to k−1 where it lies, so it is never read as 0 nor as a value. The table below
 * the chart is its numbers.
 */

const HEIGHT = 260;
const MARGIN = { top: 14, right: 16, bottom: 64, left: 52 };
/** Okabe–Ito, then its darker kin: told apart with every common colour blindness (styles/statistics.css). */
const SERIES = 8;

const useWidth = () => useElementWidth(720, 280);

/** Long labels are cut on the axis (the table has them whole). */
const short = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export default function StatisticsChart({
  table,
  title,
  crossed,
}: {
  table: StatisticsTable;
  title: string;
  crossed: boolean;
}) {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const [ref, width] = useWidth();
  const raw = useId();
  const uid = raw.replace(/[^a-zA-Z0-9_-]/g, '');
  const hatch = `stat-hatch-${uid}`;
  const titleId = `stat-chart-title-${uid}`;
  const descId = `stat-chart-desc-${uid}`;

  const cols = crossed ? table.cols : table.cols.slice(0, 1);
  const series = cols.map((c, j) => ({ key: c.key, label: labelIn(c.label, locale), index: j }));
  const k = table.k;

  const bars = table.rows.flatMap((r, i) =>
    series.map((s) => {
      const cell = table.cells[i]?.[s.index] ?? { value: null, suppressed: false };
      return { row: r.key, col: s.key, series: s.index, cell };
    }),
  );
  const max = Math.max(k, ...bars.map((b) => b.cell.value ?? 0));
  const hidden = bars.filter((b) => b.cell.suppressed).length;
  const largest = bars.reduce<(typeof bars)[number] | null>(
    (best, b) =>
      b.cell.value !== null && (best === null || b.cell.value > (best.cell.value ?? 0)) ? b : best,
    null,
  );
  const rowLabel = (key: string) => {
    const r = table.rows.find((x) => x.key === key);
    return r ? labelIn(r.label, locale) : key;
  };
  const largestName = largest
    ? crossed
      ? `${rowLabel(largest.row)}, ${series.find((s) => s.key === largest.col)?.label ?? ''}`
      : rowLabel(largest.row)
    : '—';
  const summary = [
    t('stats.chartSummary', {
      rows: table.rows.length,
      largest: largest ? `${largestName} (${formatCount(largest.cell.value ?? 0, locale)})` : '—',
    }),
    hidden > 0 ? t('stats.chartSummaryHidden', { hidden, k }) : '',
  ]
    .filter(Boolean)
    .join(' ');

  const innerW = width - MARGIN.left - MARGIN.right;
  const innerH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = scaleBand<string>({ domain: table.rows.map((r) => r.key), range: [0, innerW], padding: 0.2 });
  const inner = scaleBand<number>({
    domain: series.map((s) => s.index),
    range: [0, x.bandwidth()],
    padding: crossed ? 0.08 : 0,
  });
  const y = scaleLinear<number>({ domain: [0, max], range: [innerH, 0], nice: true });
  const labelChars = Math.max(4, Math.floor(x.bandwidth() / 6.5));

  return (
    <figure className="stat-chart" data-testid="stat-chart">
      <figcaption className="board-chart-title">{title}</figcaption>
      <div ref={ref} className="board-chart-box">
        <svg
          role="img"
          aria-labelledby={titleId}
          aria-describedby={descId}
          width={width}
          height={HEIGHT}
          viewBox={`0 0 ${width} ${HEIGHT}`}
          data-testid="stat-chart-svg"
        >
          <title id={titleId}>{title}</title>
          <desc id={descId}>{summary}</desc>
          <defs>
            <pattern
              id={hatch}
              width="6"
              height="6"
              patternUnits="userSpaceOnUse"
              patternTransform="rotate(45)"
            >
              <line className="stat-hatch-line" x1="0" y1="0" x2="0" y2="6" />
            </pattern>
          </defs>
          <Group left={MARGIN.left} top={MARGIN.top}>
            {bars.map((b) => {
              const bx = (x(b.row) ?? 0) + (inner(b.series) ?? 0);
              const bw = inner.bandwidth();
              if (b.cell.suppressed) {
                // Somewhere from 1 to k−1: a hatched box over that range, never a bar of a value.
                return (
                  <rect
                    key={`${b.row}-${b.col}`}
                    className="stat-bar-hidden"
                    data-testid="stat-bar-hidden"
                    x={bx}
                    y={y(k - 1)}
                    width={bw}
                    height={Math.max(2, innerH - y(k - 1))}
                    fill={`url(#${hatch})`}
                  />
                );
              }
              if (b.cell.value === null || b.cell.value === 0) return null;
              return (
                <Bar
                  key={`${b.row}-${b.col}`}
                  className={`stat-bar stat-series-${b.series % SERIES}`}
                  data-testid="stat-bar"
                  x={bx}
                  y={y(b.cell.value)}
                  width={bw}
                  height={innerH - y(b.cell.value)}
                />
              );
            })}
            <AxisLeft
              scale={y}
              numTicks={5}
              tickFormat={(v) => formatCount(Number(v), locale)}
              axisClassName="chart-axis"
            />
            <AxisBottom
              top={innerH}
              scale={x}
              tickFormat={(key) => short(rowLabel(String(key)), labelChars)}
              axisClassName="chart-axis"
            />
          </Group>
        </svg>
      </div>
      <div className="board-chart-legend">
        {crossed &&
          series.map((s) => (
            <span className="chart-key" key={s.key}>
              <svg width="22" height="12" aria-hidden="true" focusable="false">
                <rect
                  className={`stat-bar stat-series-${s.index % SERIES}`}
                  x="3"
                  y="1"
                  width="16"
                  height="10"
                />
              </svg>
              {s.label}
            </span>
          ))}
        {hidden > 0 && (
          <span className="chart-key">
            <svg width="22" height="12" aria-hidden="true" focusable="false">
              <rect className="stat-bar-hidden" x="3" y="1" width="16" height="10" fill={`url(#${hatch})`} />
            </svg>
            {t('stats.chartHidden', { k })}
          </span>
        )}
      </div>
    </figure>
  );
}
