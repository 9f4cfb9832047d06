import type { StatisticsDimension } from '@korgon/domain';
import { type KeyboardEvent, useId, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { AreaPage } from '../../components/area-page';
import { replaceHash, useHash } from '../../lib/route';
import { RecentExports } from './exports-panel';
import { PeriodPicker } from './period-picker';
import { FollowUpsPanel, QueuePanel, ReferralsPanel } from './service-panels';
import { statisticsApi, useRead } from './statistics-api';
import { ReadView } from './statistics-common';
import { hashOf, parseState, type StatisticsState, TABS, type Tab } from './statistics-state';
import { TablesPanel } from './tables-panel';

/**
 * The statistics area (docs/statistics.md "The statistics screen"): managers, and supervisors and
 * administrators to read. A period, then four tabs: tables of one or two dimensions (with a chart), the
 * queue's service figures, referral performance per subject of protection, and follow-ups. Every figure is
 * as the server published it after disclosure control; a hidden one is marked, never shown as 0.
 * What is on screen lives in the fragment (#/statistics?tab=…&period=…), so a link shows the same.
 */
export function StatisticsPage() {
  const { t } = useTranslation();
  const hash = useHash();
  const state = parseState(hash);
  const update = (next: Partial<StatisticsState>) => replaceHash(hashOf({ ...state, ...next }));
  const dimensions = useRead('dimensions', statisticsApi.dimensions);
  const tabs = useRef<(HTMLButtonElement | null)[]>([]);
  const id = useId();

  // Arrow keys move along the tabs (the WAI-ARIA tabs pattern, activation follows focus).
  const onTabKey = (e: KeyboardEvent<HTMLButtonElement>, i: number) => {
    const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    const to =
      e.key === 'Home' ? 0 : e.key === 'End' ? TABS.length - 1 : (i + step + TABS.length) % TABS.length;
    if (step === 0 && e.key !== 'Home' && e.key !== 'End') return;
    e.preventDefault();
    const tab = TABS[to] as Tab;
    update({ tab });
    tabs.current[to]?.focus();
  };

  return (
    <AreaPage title={t('areas.statistics')} intro={t('stats.intro')}>
      <section className="panel stat-area" data-testid="statistics">
        <PeriodPicker state={state} onChange={update} />
        <div className="stat-tabs" role="tablist" aria-label={t('stats.tabsLabel')}>
          {TABS.map((tab, i) => (
            <button
              key={tab}
              ref={(el) => {
                tabs.current[i] = el;
              }}
              type="button"
              role="tab"
              id={`${id}-tab-${tab}`}
              aria-selected={state.tab === tab}
              aria-controls={`${id}-panel`}
              tabIndex={state.tab === tab ? 0 : -1}
              className="stat-tab"
              onClick={() => update({ tab })}
              onKeyDown={(e) => onTabKey(e, i)}
              data-testid={`stat-tab-${tab}`}
            >
              {t(`stats.tabs.${tab}`)}
            </button>
          ))}
        </div>
        <div
          className="stat-tab-panel"
          role="tabpanel"
          id={`${id}-panel`}
          aria-labelledby={`${id}-tab-${state.tab}`}
          data-testid={`stat-panel-${state.tab}`}
        >
          {state.tab === 'tables' && (
            <ReadView read={dimensions.read} retry={dimensions.retry} loading={t('stats.loading')}>
              {(dims: StatisticsDimension[]) => (
                <TablesPanel state={state} dimensions={dims} onChange={update} />
              )}
            </ReadView>
          )}
          {state.tab === 'queue' && <QueuePanel state={state} onChange={update} />}
          {state.tab === 'referrals' && <ReferralsPanel state={state} onChange={update} />}
          {state.tab === 'follow-ups' && <FollowUpsPanel state={state} />}
        </div>
      </section>
      <RecentExports dimensions={dimensions.read.state === 'done' ? dimensions.read.data : undefined} />
    </AreaPage>
  );
}
