import type { Cell, Locale, StatisticsTable } from '@korgon/domain';
import { useTranslation } from 'react-i18next';
import { useCurrentLocale } from '../../i18n/language';
import { CellView, labelIn, SuppressedLegend } from './statistics-common';

/**
 * A share only where both figures are published: a share of a hidden figure, or of a hidden total, could give
 * the hidden one away.
 */
export function shareOf(cell: Cell, of: Cell): number | null {
  if (cell.suppressed || of.suppressed || cell.value === null || of.value === null || of.value === 0)
    return null;
  return cell.value / of.value;
}

/** Whether a chart of the table would show anything: a bar, or a hidden figure's box (not all zeros). */
export function hasFigures(table: StatisticsTable): boolean {
  return table.cells.some((row) => row.some((c) => c.suppressed || (c.value ?? 0) > 0));
}

const percent = (f: number) => `${Math.round(f * 1000) / 10} %`;

function Figure({
  cell,
  of,
  k,
  locale,
  shares,
  testId,
}: {
  cell: Cell;
  of: Cell | null;
  k: number;
  locale: Locale;
  shares: boolean;
  testId: string;
}) {
  const share = shares && of ? shareOf(cell, of) : null;
  return (
    <td data-testid={testId} data-suppressed={cell.suppressed ? 'true' : 'false'}>
      <CellView cell={cell} k={k} locale={locale} />
      {share !== null && <span className="stat-share"> ({percent(share)})</span>}
    </td>
  );
}

/**
 * The table of GET /api/statistics/table: rows × columns with row, column and grand totals. Without a second
 * dimension the server's one "all" column is the count, and the totals row is the grand total. The table is
 * also the chart's numbers (ADR 0003): the chart above it has no figure this table lacks.
 */
export function StatisticsTableView({
  table,
  rowsLabel,
  colsLabel,
  shares,
  caption,
}: {
  table: StatisticsTable;
  rowsLabel: string;
  colsLabel: string | null;
  shares: boolean;
  caption: string;
}) {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const crossed = colsLabel !== null;
  const suppressed =
    table.total.suppressed ||
    table.rowTotals.some((c) => c.suppressed) ||
    table.colTotals.some((c) => c.suppressed) ||
    table.cells.some((r) => r.some((c) => c.suppressed));
  const multi = table.rowsMultiValued || (crossed && table.colsMultiValued);

  return (
    <div className="stat-table-block">
      <div className="table-scroll">
        <table className="table table-compact stat-table" data-testid="stat-table">
          <caption className="stat-caption">{caption}</caption>
          <thead>
            <tr>
              <th scope="col">{crossed ? `${rowsLabel} \\ ${colsLabel}` : rowsLabel}</th>
              {crossed ? (
                table.cols.map((c) => (
                  <th scope="col" key={c.key} data-testid="stat-col">
                    {labelIn(c.label, locale)}
                  </th>
                ))
              ) : (
                <th scope="col">{t('stats.count')}</th>
              )}
              {crossed && <th scope="col">{t('stats.rowTotal')}</th>}
            </tr>
          </thead>
          <tbody>
            {table.rows.map((r, i) => {
              const cells = table.cells[i] ?? [];
              const rowTotal = table.rowTotals[i] ?? { value: null, suppressed: false };
              return (
                <tr key={r.key} data-testid="stat-row" data-key={r.key}>
                  <th scope="row">{labelIn(r.label, locale)}</th>
                  {crossed ? (
                    cells.map((c, j) => (
                      <Figure
                        // biome-ignore lint/suspicious/noArrayIndexKey: the columns are fixed for one table
                        key={j}
                        cell={c}
                        of={rowTotal}
                        k={table.k}
                        locale={locale}
                        shares={shares}
                        testId="stat-cell"
                      />
                    ))
                  ) : (
                    <Figure
                      cell={cells[0] ?? rowTotal}
                      of={table.total}
                      k={table.k}
                      locale={locale}
                      shares={shares}
                      testId="stat-cell"
                    />
                  )}
                  {crossed && (
                    <Figure
                      cell={rowTotal}
                      of={table.total}
                      k={table.k}
                      locale={locale}
                      shares={shares}
                      testId="stat-row-total"
                    />
                  )}
                </tr>
              );
            })}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">{t('stats.total')}</th>
              {crossed &&
                table.colTotals.map((c, j) => (
                  <Figure
                    // biome-ignore lint/suspicious/noArrayIndexKey: the columns are fixed for one table
                    key={j}
                    cell={c}
                    of={table.total}
                    k={table.k}
                    locale={locale}
                    shares={shares}
                    testId="stat-col-total"
                  />
                ))}
              <Figure
                cell={table.total}
                of={null}
                k={table.k}
                locale={locale}
                shares={false}
                testId="stat-total"
              />
            </tr>
          </tfoot>
        </table>
      </div>
      {suppressed && <SuppressedLegend k={table.k} />}
      {multi && (
        <p className="stat-note" data-testid="stat-multi-note">
          {t('stats.multiValued')}
        </p>
      )}
      {shares && (
        <p className="stat-note">{crossed ? t('stats.sharesNoteCrossed') : t('stats.sharesNote')}</p>
      )}
    </div>
  );
}
