import {
  type MyConsultation,
  type MyConsultationsPage,
  RECENT_DAYS,
  type Referral,
  type ShiftSummary,
  type Taxonomy,
} from '@korgon/domain';
import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useCallback, useEffect, useId, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { loadTaxonomy } from '../../draft/consultation-api';
import { listDrafts, type StoredDraft } from '../../draft/draft-storage';
import { partnerName, StatusBadge, UrgencyBadge } from '../../features/referrals/referral-bits';
import { useReferralsStore } from '../../features/referrals/referrals-store';
import { useCurrentLocale } from '../../i18n/language';
import { selectMe, useAuthStore } from '../../lib/auth-store';
import { describeError } from '../../lib/describe-error';
import { formatDateTime } from '../../lib/format';
import { queryKeys } from '../../lib/query-keys';
import { levelClass, levelName } from '../../lib/risk-levels';
import { consultationHref } from '../../lib/route';
import { type ConsultationSearch, myWorkApi } from './my-work-api';

/** How often the lists are read again while the desk is open (other devices' drafts, the shift's figures). */
const REFRESH_MS = 30_000;
const RISK_LEVELS = ['low', 'medium', 'high', 'critical'] as const;

/**
 * Read again every REFRESH_MS, whenever the page comes back into view, and at once when one of my
 * consultations is created or finalized on any of my devices (the `my-work:changed` push, my-work-live.ts).
 */
const LIVE = { refetchInterval: REFRESH_MS, refetchOnWindowFocus: true } as const;

const DRAFTS: ConsultationSearch = { status: 'draft', pageSize: 100 };
const RECENT: ConsultationSearch = { status: 'final', recentDays: RECENT_DAYS, pageSize: 50 };

function useMyConsultations(search: ConsultationSearch) {
  return useQuery({
    queryKey: queryKeys.myWork.consultations(search),
    queryFn: () => myWorkApi.consultations(search),
    ...LIVE,
  });
}

function useActiveTaxonomy(): Taxonomy | null {
  const [taxonomy, setTaxonomy] = useState<Taxonomy | null>(null);
  useEffect(() => {
    let live = true;
    loadTaxonomy(null).then(
      (tx) => live && setTaxonomy(tx),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, []);
  return taxonomy;
}

/**
 * "My work" on the desk: the shift in numbers, my drafts (from the server, so from every device, merged with
 * this device's copies), what I finalized in the last days, a search over my own consultations, and my referrals
 * with their live status.
 */
export function MyWork() {
  const { t } = useTranslation();
  const headingId = useId();
  const taxonomy = useActiveTaxonomy();
  return (
    <section className="panel my-work" aria-labelledby={headingId} data-testid="my-work">
      <h2 id={headingId}>{t('myWork.title')}</h2>
      <MyShift />
      <div className="my-work-grid">
        <MyDrafts taxonomy={taxonomy} />
        <RecentlyFinalized taxonomy={taxonomy} />
      </div>
      <SearchMine taxonomy={taxonomy} />
      <MyReferrals />
    </section>
  );
}

function MyShift() {
  const { t } = useTranslation();
  const headingId = useId();
  // A failed read leaves the figures as they were (or dashes): they are read again soon.
  const summary: ShiftSummary | null =
    useQuery({ queryKey: queryKeys.myWork.shift, queryFn: myWorkApi.shift, ...LIVE }).data ?? null;
  const figures = ['calls', 'consultations', 'finalized', 'referrals', 'highRisk'] as const;
  return (
    <section className="my-shift" aria-labelledby={headingId} data-testid="my-shift">
      <h3 id={headingId}>{t('myWork.shiftTitle')}</h3>
      <p className="field-hint">{t('myWork.shiftSince')}</p>
      <dl className="shift-figures">
        {figures.map((f) => (
          <div key={f} className={f === 'highRisk' ? 'shift-figure shift-high' : 'shift-figure'}>
            <dt>{t(`myWork.figures.${f}`)}</dt>
            <dd data-testid={`shift-${f}`}>{summary ? summary[f] : '—'}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

const kindLabel = (tx: Taxonomy | null, id: string | null, locale: ReturnType<typeof useCurrentLocale>) =>
  id ? (tx?.contactKinds.find((k) => k.id === id)?.label[locale] ?? id) : null;
const channelLabel = (tx: Taxonomy | null, id: string, locale: ReturnType<typeof useCurrentLocale>) =>
  tx?.channels.find((c) => c.id === id)?.label[locale] ?? id;

interface DraftRow {
  id: string;
  reference: string | null;
  channel: string;
  contactKind: string | null;
  at: string;
  local: StoredDraft | null;
  onServer: boolean;
}

/** Server drafts and this device's copies, one row per record, newest first. */
export function mergeDrafts(server: readonly MyConsultation[], local: readonly StoredDraft[]): DraftRow[] {
  const localById = new Map(local.map((d) => [d.id, d]));
  const rows: DraftRow[] = server.map((s) => {
    const here = localById.get(s.id) ?? null;
    localById.delete(s.id);
    return {
      id: s.id,
      reference: s.reference,
      channel: s.channel,
      contactKind: here?.data.contactKind ?? s.contactKind,
      at: here && here.keptAt > s.updatedAt ? here.keptAt : s.updatedAt,
      local: here,
      onServer: true,
    };
  });
  // Copies the server does not list as drafts: not saved yet (revision 0), or with changes it has not confirmed.
  for (const d of localById.values()) {
    if (d.baseRevision > 0 && !d.dirty) continue;
    rows.push({
      id: d.id,
      reference: null,
      channel: d.channel,
      contactKind: d.data.contactKind ?? null,
      at: d.keptAt,
      local: d,
      onServer: d.baseRevision > 0,
    });
  }
  return rows.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
}

function MyDrafts({ taxonomy }: { taxonomy: Taxonomy | null }) {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const userId = useAuthStore(selectMe)?.id ?? '';
  const headingId = useId();
  const drafts = useMyConsultations(DRAFTS);
  const server: MyConsultation[] | null = drafts.data?.items ?? null;
  const error = drafts.error;
  // biome-ignore lint/correctness/useExhaustiveDependencies: the drafts on this device are read again with the server's
  const local: StoredDraft[] = useMemo(
    () => listDrafts(userId),
    [userId, drafts.dataUpdatedAt, drafts.errorUpdatedAt],
  );
  const rows = useMemo(() => mergeDrafts(server ?? [], local), [server, local]);

  return (
    <section aria-labelledby={headingId} data-testid="my-drafts">
      <h3 id={headingId}>{t('myWork.draftsTitle')}</h3>
      <p className="field-hint">{t('myWork.draftsIntro')}</p>
      {error !== null && (
        <p className="inline-error" role="alert">
          {t('myWork.loadFailed')} {describeError(error, t)}
        </p>
      )}
      {rows.length === 0 ? (
        <p className="muted">
          {server === null && error === null ? t('myWork.loading') : t('myWork.noDrafts')}
        </p>
      ) : (
        <ul className="draft-list">
          {rows.map((d) => (
            <li
              key={d.id}
              data-testid="my-draft"
              data-consultation-id={d.id}
              data-reference={d.reference ?? ''}
            >
              <a href={consultationHref(d.id)}>
                {d.reference && <span className="mono">{d.reference}</span>}
                {d.reference ? ' · ' : ''}
                {kindLabel(taxonomy, d.contactKind, locale) ?? channelLabel(taxonomy, d.channel, locale)} ·{' '}
                {formatDateTime(d.at, locale)}
              </a>
              {!d.onServer && <span className="badge">{t('myWork.onlyHere')}</span>}
              {d.onServer && d.local?.dirty && <span className="badge">{t('desk.draftUnsaved')}</span>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function ConsultationList({
  items,
  taxonomy,
  testId,
}: {
  items: readonly MyConsultation[];
  taxonomy: Taxonomy | null;
  testId: string;
}) {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  return (
    <ul className="draft-list">
      {items.map((k) => (
        <li key={k.id} data-testid={testId} data-consultation-id={k.id} data-reference={k.reference}>
          <a href={consultationHref(k.id)}>
            <span className="mono">{k.reference}</span> ·{' '}
            {kindLabel(taxonomy, k.contactKind, locale) ?? channelLabel(taxonomy, k.channel, locale)} ·{' '}
            {formatDateTime(k.finalizedAt ?? k.updatedAt, locale)}
          </a>
          {k.status === 'draft' && <span className="badge">{t('consultation.statusDraft')}</span>}
          {k.riskLevel && (
            <span className={`level-badge ${levelClass(k.riskLevel)}`}>
              {levelName(k.riskLevel, locale, t)}
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}

function RecentlyFinalized({ taxonomy }: { taxonomy: Taxonomy | null }) {
  const { t } = useTranslation();
  const headingId = useId();
  const page: MyConsultationsPage | null = useMyConsultations(RECENT).data ?? null;
  return (
    <section aria-labelledby={headingId} data-testid="my-recent">
      <h3 id={headingId}>{t('myWork.recentTitle')}</h3>
      <p className="field-hint">{t('myWork.recentIntro', { count: RECENT_DAYS })}</p>
      {page && page.items.length === 0 ? (
        <p className="muted">{t('myWork.noRecent')}</p>
      ) : (
        <ConsultationList items={page?.items ?? []} taxonomy={taxonomy} testId="my-recent-item" />
      )}
    </section>
  );
}

function SearchMine({ taxonomy }: { taxonomy: Taxonomy | null }) {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const headingId = useId();
  const ids = { day: useId(), kind: useId(), risk: useId(), reference: useId() };
  const [form, setForm] = useState({ day: '', contactKind: '', riskLevel: '', reference: '' });
  const [search, setSearch] = useState<ConsultationSearch | null>(null);
  const [result, setResult] = useState<MyConsultationsPage | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);

  const run = useCallback((s: ConsultationSearch) => {
    setSearch(s);
    setPending(true);
    setError(null);
    myWorkApi.consultations(s).then(
      (page) => {
        setResult(page);
        setPending(false);
      },
      (e: unknown) => {
        setError(e);
        setResult(null);
        setPending(false);
      },
    );
  }, []);

  function submit(e: FormEvent) {
    e.preventDefault();
    run({ ...form, page: 1, pageSize: 20 });
  }

  const pages = result ? Math.max(1, Math.ceil(result.total / result.pageSize)) : 1;
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) =>
    setForm((f) => ({ ...f, [k]: e.target.value }));

  return (
    <section aria-labelledby={headingId} data-testid="my-search">
      <h3 id={headingId}>{t('myWork.searchTitle')}</h3>
      <form className="inline-form" onSubmit={submit}>
        <div className="field">
          <label htmlFor={ids.reference}>{t('myWork.reference')}</label>
          <input
            id={ids.reference}
            value={form.reference}
            onChange={set('reference')}
            placeholder="K-2026-000123"
            autoComplete="off"
            spellCheck={false}
          />
        </div>
        <div className="field">
          <label htmlFor={ids.day}>{t('myWork.day')}</label>
          <input id={ids.day} type="date" value={form.day} onChange={set('day')} />
        </div>
        <div className="field">
          <label htmlFor={ids.kind}>{t('myWork.kind')}</label>
          <select id={ids.kind} value={form.contactKind} onChange={set('contactKind')}>
            <option value="">{t('myWork.any')}</option>
            {(taxonomy?.contactKinds ?? []).map((k) => (
              <option key={k.id} value={k.id}>
                {k.label[locale]}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.risk}>{t('myWork.risk')}</label>
          <select id={ids.risk} value={form.riskLevel} onChange={set('riskLevel')}>
            <option value="">{t('myWork.any')}</option>
            {RISK_LEVELS.map((l) => (
              <option key={l} value={l}>
                {levelName(l, locale, t)}
              </option>
            ))}
            <option value="none">{t('myWork.notAssessed')}</option>
          </select>
        </div>
        <button type="submit" className="button" aria-disabled={pending || undefined}>
          {t('myWork.searchButton')}
        </button>
      </form>
      {error !== null && (
        <p className="inline-error" role="alert">
          {describeError(error, t)}
        </p>
      )}
      <div aria-live="polite">
        {result && (
          <>
            <p className="field-hint" data-testid="my-search-count">
              {t('myWork.found', { count: result.total })}
            </p>
            <ConsultationList items={result.items} taxonomy={taxonomy} testId="my-search-item" />
            {pages > 1 && search && (
              <nav className="pager" aria-label={t('myWork.pages')}>
                <button
                  type="button"
                  className="button"
                  disabled={result.page <= 1}
                  onClick={() => run({ ...search, page: result.page - 1 })}
                >
                  {t('myWork.previous')}
                </button>
                <span>{t('myWork.pageOf', { page: result.page, pages })}</span>
                <button
                  type="button"
                  className="button"
                  disabled={result.page >= pages}
                  onClick={() => run({ ...search, page: result.page + 1 })}
                >
                  {t('myWork.next')}
                </button>
              </nav>
            )}
          </>
        )}
      </div>
    </section>
  );
}

function MyReferrals() {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const headingId = useId();
  const userId = useAuthStore(selectMe)?.id ?? '';
  const epoch = useReferralsStore((s) => s.epoch);
  const byId = useReferralsStore((s) => s.byId);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<unknown>(null);

  // biome-ignore lint/correctness/useExhaustiveDependencies: read again at every (re)connect of the live socket
  useEffect(() => {
    let live = true;
    myWorkApi.referrals().then(
      (rs) => {
        if (!live) return;
        useReferralsStore.getState().upsertMany(rs);
        setLoaded(true);
        setError(null);
      },
      (e: unknown) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [epoch]);

  // Live: the store is kept current by referral:changed, which reaches the referral's author.
  const mine = useMemo(
    () =>
      Object.values(byId)
        .filter((r: Referral) => r.createdBy.id === userId)
        .sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1)),
    [byId, userId],
  );

  return (
    <section aria-labelledby={headingId} data-testid="my-referrals">
      <h3 id={headingId}>{t('myWork.referralsTitle')}</h3>
      <p className="field-hint">{t('myWork.referralsIntro', { count: RECENT_DAYS })}</p>
      {error !== null && (
        <p className="inline-error" role="alert">
          {t('myWork.loadFailed')} {describeError(error, t)}
        </p>
      )}
      {loaded && mine.length === 0 ? (
        <p className="muted">{t('myWork.noReferrals')}</p>
      ) : (
        <ul className="draft-list">
          {mine.map((r) => (
            <li key={r.id} data-testid="my-referral" data-referral-id={r.id} data-status={r.status}>
              <span className="mono">{r.reference}</span>
              <span>{partnerName(r.partner.name, locale)}</span>
              <StatusBadge status={r.status} testId="my-referral-status" />
              {r.urgency === 'urgent' && <UrgencyBadge urgency={r.urgency} />}
              <a className="mono" href={consultationHref(r.consultationId)}>
                {r.consultationReference}
              </a>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
