import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { useCurrentLocale } from '../../i18n/language';
import { formatDate } from '../../lib/format';
import {
  bishkekToday,
  PERIOD_KINDS,
  type PeriodKind,
  periodOf,
  rangeOf,
  type StatisticsState,
  stepPeriod,
} from './statistics-state';

/**
 * The period: a day, week (Monday to Sunday), month, quarter or year holding a chosen day, stepped back and
 * forth, or any from–to. Bishkek calendar days; the server counts a record on the day it was finalized.
 */
export function PeriodPicker({
  state,
  onChange,
}: {
  state: StatisticsState;
  onChange: (next: Partial<StatisticsState>) => void;
}) {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const id = useId();
  const { from, to } = rangeOf(state);
  const today = bishkekToday();
  const kind = state.period;

  const chooseKind = (next: PeriodKind) => {
    if (next === 'custom') {
      // From–to begins as the period on screen, to be adjusted.
      onChange({ period: next, from, to });
    } else {
      onChange({ period: next, at: kind === 'custom' ? from : state.at });
    }
  };

  return (
    <fieldset className="stat-period" data-testid="stat-period">
      <legend>{t('stats.period')}</legend>
      <div className="stat-controls">
        <div className="field">
          <label htmlFor={`${id}-kind`}>{t('stats.periodKind')}</label>
          <select
            id={`${id}-kind`}
            value={kind}
            onChange={(e) => chooseKind(e.target.value as PeriodKind)}
            data-testid="stat-period-kind"
          >
            {PERIOD_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`stats.periodKinds.${k}`)}
              </option>
            ))}
          </select>
        </div>
        {kind === 'custom' ? (
          <>
            <div className="field">
              <label htmlFor={`${id}-from`}>{t('stats.from')}</label>
              <input
                id={`${id}-from`}
                type="date"
                value={state.from}
                max={state.to}
                onChange={(e) => e.target.value && onChange({ from: e.target.value })}
                data-testid="stat-from"
              />
            </div>
            <div className="field">
              <label htmlFor={`${id}-to`}>{t('stats.to')}</label>
              <input
                id={`${id}-to`}
                type="date"
                value={state.to}
                min={state.from}
                onChange={(e) => e.target.value && onChange({ to: e.target.value })}
                data-testid="stat-to"
              />
            </div>
          </>
        ) : (
          <>
            <div className="field">
              <label htmlFor={`${id}-at`}>{t('stats.periodHolding')}</label>
              <input
                id={`${id}-at`}
                type="date"
                value={state.at}
                onChange={(e) => e.target.value && onChange({ at: e.target.value })}
                data-testid="stat-at"
              />
            </div>
            <div className="stat-steps">
              <button
                type="button"
                className="button button-small"
                onClick={() => onChange({ at: stepPeriod(kind, state.at, -1) })}
                data-testid="stat-previous"
              >
                {t('stats.previous')}
              </button>
              <button
                type="button"
                className="button button-small"
                onClick={() => onChange({ at: today })}
                disabled={periodOf(kind, today).from === from}
              >
                {t(`stats.current.${kind}`)}
              </button>
              <button
                type="button"
                className="button button-small"
                onClick={() => onChange({ at: stepPeriod(kind, state.at, 1) })}
                data-testid="stat-next"
              >
                {t('stats.next')}
              </button>
            </div>
          </>
        )}
      </div>
      <p className="stat-range" aria-live="polite" data-testid="stat-range" data-from={from} data-to={to}>
        {from === to
          ? t('stats.rangeDay', { day: formatDate(from, locale) })
          : t('stats.range', { from: formatDate(from, locale), to: formatDate(to, locale) })}
      </p>
    </fieldset>
  );
}
