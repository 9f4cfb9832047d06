import type { Cell, LocalizedText } from '@korgon/domain';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../lib/api';
import { describeError } from '../../lib/describe-error';
import type { Read } from './statistics-api';

/** A label from the server in the console's language (the record's taxonomy version gives all three). */
export const labelIn = (label: LocalizedText, locale: keyof LocalizedText) => label[locale] || label.en;

const numbers = new Map<string, Intl.NumberFormat>();
export function formatCount(n: number, locale: string): string {
  let f = numbers.get(locale);
  if (!f) {
    // Chrome has no Kyrgyz number data; Russian grouping (a thin space) is how figures are written there.
    f = new Intl.NumberFormat(Intl.NumberFormat.supportedLocalesOf(locale).length > 0 ? locale : 'ru');
    numbers.set(locale, f);
  }
  return f.format(n);
}

/**
 * One published figure, or the mark of a hidden one. A suppressed figure is never drawn as 0: it reads "<k"
 * on screen and "fewer than k, hidden" to a screen reader; a figure the server left empty is "—".
 */
export function CellView({ cell, k, locale }: { cell: Cell; k: number; locale: string }) {
  const { t } = useTranslation();
  if (cell.suppressed) {
    return (
      <span className="stat-suppressed" data-suppressed="true">
        <span aria-hidden="true">{`<${k}`}</span>
        <span className="sr-only">{t('stats.suppressedCell', { k })}</span>
      </span>
    );
  }
  if (cell.value === null) {
    return (
      <span className="muted">
        <span aria-hidden="true">—</span>
        <span className="sr-only">{t('stats.noFigure')}</span>
      </span>
    );
  }
  return <span data-suppressed="false">{formatCount(cell.value, locale)}</span>;
}

/** The legend every screen with hidden figures carries. */
export function SuppressedLegend({ k }: { k: number }) {
  const { t } = useTranslation();
  return (
    <p className="stat-legend" data-testid="stat-legend">
      <span className="stat-suppressed" aria-hidden="true">{`<${k}`}</span>{' '}
      {t('stats.suppressedLegend', { k })}
    </p>
  );
}

/** Loading, failed (a 400 with the server's own words: which dimension or date it refused) or the content. */
export function ReadView<T>({
  read,
  retry,
  loading,
  children,
}: {
  read: Read<T>;
  retry: () => void;
  loading: string;
  children: (data: T) => ReactNode;
}) {
  const { t } = useTranslation();
  if (read.state === 'idle') return null;
  if (read.state === 'loading') {
    return (
      <p role="status" className="muted" data-testid="stat-loading">
        {loading}
      </p>
    );
  }
  if (read.state === 'failed') {
    const bad = read.error instanceof ApiError && read.error.status === 400;
    return (
      <div className="alert alert-error" role="alert" data-testid="stat-error">
        <p>
          {t('stats.loadFailed')}{' '}
          {bad
            ? t('stats.refused', { message: (read.error as ApiError).body.message })
            : describeError(read.error, t)}
        </p>
        {!bad && (
          <button type="button" className="button button-small" onClick={retry}>
            {t('errors.retry')}
          </button>
        )}
      </div>
    );
  }
  return <>{children(read.data)}</>;
}
