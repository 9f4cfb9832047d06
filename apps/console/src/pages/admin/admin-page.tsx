import { type KeyboardEvent, useId, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { AreaPage } from '../../components/area-page';
import { ComingLater } from '../../components/coming-later';
import { replaceHash, useHash } from '../../lib/route';
import { AuditPanel } from './audit-panel';
import { CreateUserForm } from './create-user-form';
import { PartnersPanel } from './partners-panel';
import { RetentionPanel } from './retention-panel';
import { SecurityPanel } from './security-panel';
import { UsersPanel } from './users-panel';
import { WallDisplaysPanel } from './wall-displays';

export const ADMIN_TABS = ['users', 'partners', 'audit', 'retention', 'security'] as const;
export type AdminTab = (typeof ADMIN_TABS)[number];

/** The tab in the fragment (#/admin?tab=audit), so a reload or a link shows the same one. */
export function adminTabOf(hash: string): AdminTab {
  const query = hash.split('?')[1] ?? '';
  const tab = new URLSearchParams(query).get('tab');
  return (ADMIN_TABS as readonly string[]).includes(tab ?? '') ? (tab as AdminTab) : 'users';
}

/**
 * The administration area: people (users and wall displays), partner organisations, the audit log, retention
 * of free text, and security (the second-factor policy and the keys). One tab at a time (WAI-ARIA tabs).
 */
export function AdminPage() {
  const { t } = useTranslation();
  const tab = adminTabOf(useHash());
  const id = useId();
  const buttons = useRef<(HTMLButtonElement | null)[]>([]);
  const select = (next: AdminTab) => replaceHash(`#/admin?tab=${next}`);

  const onTabKey = (e: KeyboardEvent<HTMLButtonElement>, i: number) => {
    const n = ADMIN_TABS.length;
    const to =
      e.key === 'ArrowRight'
        ? (i + 1) % n
        : e.key === 'ArrowLeft'
          ? (i - 1 + n) % n
          : e.key === 'Home'
            ? 0
            : e.key === 'End'
              ? n - 1
              : -1;
    if (to < 0) return;
    e.preventDefault();
    select(ADMIN_TABS[to] as AdminTab);
    buttons.current[to]?.focus();
  };

  return (
    <AreaPage title={t('areas.admin')} intro={t('admin.intro')}>
      <div className="stat-tabs admin-tabs" role="tablist" aria-label={t('admin.tabsLabel')}>
        {ADMIN_TABS.map((name, i) => (
          <button
            key={name}
            ref={(el) => {
              buttons.current[i] = el;
            }}
            type="button"
            role="tab"
            id={`${id}-tab-${name}`}
            aria-selected={tab === name}
            aria-controls={`${id}-panel`}
            tabIndex={tab === name ? 0 : -1}
            className="stat-tab"
            onClick={() => select(name)}
            onKeyDown={(e) => onTabKey(e, i)}
            data-testid={`admin-tab-${name}`}
          >
            {t(`admin.tabs.${name}`)}
          </button>
        ))}
      </div>
      <div
        className="admin-tab-panel"
        role="tabpanel"
        id={`${id}-panel`}
        aria-labelledby={`${id}-tab-${tab}`}
        data-testid={`admin-panel-${tab}`}
      >
        {tab === 'users' && (
          <>
            <UsersPanel />
            <CreateUserForm />
            <WallDisplaysPanel />
          </>
        )}
        {tab === 'partners' && (
          <>
            <PartnersPanel />
            <ComingLater
              items={[{ id: 'reference', title: t('admin.referenceTitle'), text: t('admin.referenceText') }]}
            />
          </>
        )}
        {tab === 'audit' && <AuditPanel />}
        {tab === 'retention' && <RetentionPanel />}
        {tab === 'security' && <SecurityPanel />}
      </div>
    </AreaPage>
  );
}
