import type { AuditLogEntry, AuditStatus, Locale } from '@korgon/domain';
import type { i18n as I18n, TFunction } from 'i18next';
import { type FormEvent, useCallback, useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { TextField } from '../../components/field';
import { useCurrentLocale } from '../../i18n/language';
import { ApiError } from '../../lib/api';
import { describeError, serverFieldIssues } from '../../lib/describe-error';
import { type AuditFilters, auditLogApi, NO_FILTERS } from './audit-log-api';

const timeFormats = new Map<Locale, Intl.DateTimeFormat>();

/** A time in Bishkek, to the second (the numeric form where the browser has no Kyrgyz date data). */
export function bishkekTime(iso: string, locale: Locale): string {
  let f = timeFormats.get(locale);
  if (!f) {
    const opts = { timeZone: 'Asia/Bishkek', dateStyle: 'short', timeStyle: 'medium' } as const;
    f =
      Intl.DateTimeFormat.supportedLocalesOf(locale).length > 0
        ? new Intl.DateTimeFormat(locale, opts)
        : new Intl.DateTimeFormat('ru-KG', opts);
    timeFormats.set(locale, f);
  }
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : f.format(d);
}

/** A translation when the locale has one, else null (the caller shows the code). */
function maybe(i18n: I18n, t: TFunction, key: string): string | null {
  return i18n.exists(key) ? String((t as unknown as (k: string) => string)(key)) : null;
}

/** An action in words (`consultation.read` → "Consultation opened"), or its code. */
export function actionName(code: string, t: TFunction, i18n: I18n): string {
  return maybe(i18n, t, `auditLog.actions.${code}`) ?? code;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const shortId = (id: string) => (UUID.test(id) ? `${id.slice(0, 8)}…` : id);

/** Details in one line: `key: value` pairs, ids shortened (the full one on hover and for screen readers). */
function valueText(v: unknown): string {
  if (v === null) return '—';
  if (typeof v === 'string') return shortId(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.map(valueText).join(', ');
  return Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => `${k}: ${valueText(x)}`)
    .join('; ');
}

type StatusState =
  | { kind: 'loading' }
  | { kind: 'ready'; status: AuditStatus }
  | { kind: 'error'; error: unknown };

/**
 * The audit log viewer (docs/security.md "Audit log viewer"): the chain's verification and its latest signed
 * checkpoint, filters (who, what, about what, when: Bishkek days), the entries newest first and "Load more".
 * Every page read is audited on the server.
 */
export function AuditPanel() {
  const { t } = useTranslation();
  const headingId = useId();
  return (
    <section className="panel audit-panel" aria-labelledby={headingId} data-testid="audit-panel">
      <h2 id={headingId}>{t('auditLog.title')}</h2>
      <p className="field-hint">{t('auditLog.intro')}</p>
      <ChainStatus />
      <AuditEntries />
    </section>
  );
}

function ChainStatus() {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const [state, setState] = useState<StatusState>({ kind: 'loading' });
  const [checking, setChecking] = useState(false);

  const load = useCallback(async (full: boolean) => {
    if (full) setChecking(true);
    try {
      setState({ kind: 'ready', status: await auditLogApi.status(full) });
    } catch (error) {
      setState({ kind: 'error', error });
    } finally {
      setChecking(false);
    }
  }, []);

  useEffect(() => {
    void load(false);
  }, [load]);

  if (state.kind === 'loading')
    return (
      <div className="audit-status" data-testid="audit-status" aria-busy="true">
        <p role="status">{t('auditLog.statusLoading')}</p>
      </div>
    );
  if (state.kind === 'error')
    return (
      <div className="audit-status" data-testid="audit-status">
        <div className="alert alert-error" role="alert">
          <p>
            {t('auditLog.statusFailed')} {describeError(state.error, t)}
          </p>
          <button type="button" className="button button-small" onClick={() => void load(false)}>
            {t('errors.retry')}
          </button>
        </div>
      </div>
    );

  const s = state.status;
  const anchor = s.anchors.latest;
  const chainReason = (reason: string) =>
    /altered/.test(reason)
      ? t('auditLog.reasonAltered')
      : /prev_hash/.test(reason)
        ? t('auditLog.reasonLink')
        : reason;
  const anchorProblem = (p: string) =>
    /bad signature/.test(p)
      ? t('auditLog.anchorBadSignature')
      : /cut from its end/.test(p)
        ? t('auditLog.anchorCut')
        : /no longer has the hash/.test(p)
          ? t('auditLog.anchorRewritten')
          : /missing from the log/.test(p)
            ? t('auditLog.anchorMissing')
            : p;

  return (
    <div className="audit-status" data-testid="audit-status" data-ok={s.chain.ok && s.anchors.ok}>
      {s.chain.ok ? (
        <div className="alert alert-success" data-testid="audit-chain-ok">
          <p className="audit-status-head">
            {s.chain.verifiedUpTo === null
              ? t('auditLog.chainEmpty')
              : t('auditLog.chainVerified', {
                  id: s.chain.verifiedUpTo,
                  at: bishkekTime(s.chain.verifiedUpToAt ?? '', locale),
                })}
            {anchor ? ` ${t('auditLog.lastCheckpoint', { at: bishkekTime(anchor.at, locale) })}` : ''}
          </p>
        </div>
      ) : (
        <div className="alert alert-error" role="alert" data-testid="audit-chain-broken">
          <p className="audit-status-head">{t('auditLog.chainBroken', { id: s.chain.brokenAt })}</p>
          <p>{chainReason(s.chain.reason)}</p>
          <p>{t('auditLog.brokenAdvice')}</p>
        </div>
      )}
      {anchor === null ? (
        <p className="alert alert-warning">{t('auditLog.noCheckpoint')}</p>
      ) : (
        <p className={s.anchors.ok ? 'audit-anchor muted' : 'alert alert-error audit-anchor'}>
          {s.chain.ok
            ? t('auditLog.checkpoint', { id: anchor.id, total: s.anchors.count })
            : t('auditLog.checkpointAt', {
                id: anchor.id,
                at: bishkekTime(anchor.at, locale),
                total: s.anchors.count,
              })}{' '}
          {anchor.signatureValid ? t('auditLog.signatureValid') : t('auditLog.signatureInvalid')}{' '}
          {anchor.matchesChain ? t('auditLog.matchesChain') : t('auditLog.doesNotMatchChain')}
          {s.anchors.problem && (
            <>
              <br />
              {anchorProblem(s.anchors.problem)}
            </>
          )}
        </p>
      )}
      <div className="audit-status-foot">
        <p className="muted">
          {t(s.mode === 'full' ? 'auditLog.checkedFull' : 'auditLog.checkedIncremental', {
            at: bishkekTime(s.checkedAt, locale),
            n: s.checkedNow,
            full: bishkekTime(s.fullCheckAt, locale),
          })}
        </p>
        <button
          type="button"
          className="button button-small"
          aria-disabled={checking || undefined}
          onClick={() => {
            if (!checking) void load(true);
          }}
        >
          {checking ? t('auditLog.checking') : t('auditLog.checkAll')}
        </button>
      </div>
      <p className="sr-only" role="status">
        {checking ? t('auditLog.checking') : ''}
      </p>
    </div>
  );
}

type ListState = {
  entries: AuditLogEntry[];
  next: number | null;
  actions: string[];
  status: 'idle' | 'loading' | 'more' | 'ready' | 'error';
  error: unknown;
};

function AuditEntries() {
  const { t, i18n } = useTranslation();
  const locale = useCurrentLocale();
  const id = useId();
  const [form, setForm] = useState<AuditFilters>(NO_FILTERS);
  const [applied, setApplied] = useState<AuditFilters>(NO_FILTERS);
  const [dayError, setDayError] = useState<string | null>(null);
  const [list, setList] = useState<ListState>({
    entries: [],
    next: null,
    actions: [],
    status: 'idle',
    error: null,
  });
  const asked = useRef(0);
  const tableRef = useRef<HTMLTableElement>(null);

  const fetchPage = useCallback(async (filters: AuditFilters, cursor: number | null) => {
    const ask = ++asked.current;
    setList((l) => ({ ...l, status: cursor === null ? 'loading' : 'more', error: null }));
    try {
      const page = await auditLogApi.page(filters, cursor);
      if (ask !== asked.current) return;
      setList((l) => ({
        entries: cursor === null ? page.entries : [...l.entries, ...page.entries],
        next: page.nextCursor,
        actions: page.actions,
        status: 'ready',
        error: null,
      }));
    } catch (error) {
      if (ask === asked.current) setList((l) => ({ ...l, status: 'error', error }));
    }
  }, []);

  useEffect(() => {
    void fetchPage(NO_FILTERS, null);
  }, [fetchPage]);

  function submit(e: FormEvent) {
    e.preventDefault();
    if (form.fromDay && form.toDay && form.fromDay > form.toDay) {
      setDayError(t('auditLog.daysInvalid'));
      document.getElementById(`${id}-to`)?.focus();
      return;
    }
    setDayError(null);
    setApplied(form);
    void fetchPage(form, null);
  }

  function clear() {
    setForm(NO_FILTERS);
    setApplied(NO_FILTERS);
    setDayError(null);
    void fetchPage(NO_FILTERS, null);
  }

  /** Show every entry about this target (or by this actor) at once. */
  function narrow(change: Partial<AuditFilters>) {
    const next = { ...applied, ...change };
    setForm(next);
    setApplied(next);
    void fetchPage(next, null);
    window.setTimeout(() => tableRef.current?.focus(), 0);
  }

  const set = (k: keyof AuditFilters) => (e: { target: { value: string } }) =>
    setForm((f) => ({ ...f, [k]: e.target.value }));
  const fieldIssues = list.status === 'error' ? serverFieldIssues(list.error) : {};
  const prefixes = [...new Set(list.actions.map((a) => a.split('.')[0] as string))];
  const filtered = Object.values(applied).some((v) => v !== '');

  return (
    <>
      <form
        className="audit-filters"
        noValidate
        onSubmit={submit}
        aria-labelledby={`${id}-filters`}
        data-testid="audit-filters"
      >
        <h3 id={`${id}-filters`}>{t('auditLog.filters')}</h3>
        <p className="field-hint">{t('auditLog.filtersHint')}</p>
        <div className="audit-filter-grid">
          <TextField
            id={`${id}-actor`}
            label={t('auditLog.actor')}
            error={fieldIssues.actor}
            value={form.actor}
            onChange={set('actor')}
            autoComplete="off"
            spellCheck={false}
            data-testid="audit-filter-actor"
          />
          <div
            className={
              fieldIssues.action ? 'field field-invalid audit-filter-action' : 'field audit-filter-action'
            }
          >
            <label htmlFor={`${id}-action`}>{t('auditLog.action')}</label>
            <select
              id={`${id}-action`}
              value={form.action}
              onChange={set('action')}
              data-testid="audit-filter-action"
            >
              <option value="">{t('auditLog.anyAction')}</option>
              {prefixes.map((p) => (
                <optgroup key={p} label={maybe(i18n, t, `auditLog.groups.${p}`) ?? p}>
                  <option value={`${p}.`}>
                    {t('auditLog.allOfGroup', { group: maybe(i18n, t, `auditLog.groups.${p}`) ?? p })}
                  </option>
                  {list.actions
                    .filter((a) => a.startsWith(`${p}.`))
                    .map((a) => (
                      <option key={a} value={a}>
                        {actionName(a, t, i18n)}
                      </option>
                    ))}
                </optgroup>
              ))}
            </select>
          </div>
          <TextField
            id={`${id}-target-type`}
            label={t('auditLog.targetType')}
            error={fieldIssues.targetType}
            value={form.targetType}
            onChange={set('targetType')}
            autoComplete="off"
            spellCheck={false}
            list={`${id}-target-types`}
          />
          <datalist id={`${id}-target-types`}>
            {TARGET_TYPES.map((x) => (
              <option key={x} value={x}>
                {maybe(i18n, t, `auditLog.targets.${x}`) ?? x}
              </option>
            ))}
          </datalist>
          <TextField
            id={`${id}-target-id`}
            label={t('auditLog.targetId')}
            error={fieldIssues.targetId}
            value={form.targetId}
            onChange={set('targetId')}
            autoComplete="off"
            spellCheck={false}
          />
          <TextField
            id={`${id}-from`}
            label={t('auditLog.fromDay')}
            type="date"
            value={form.fromDay}
            onChange={set('fromDay')}
          />
          <TextField
            id={`${id}-to`}
            label={t('auditLog.toDay')}
            type="date"
            error={dayError ?? fieldIssues.to}
            value={form.toDay}
            onChange={set('toDay')}
          />
        </div>

        <div className="row-actions">
          <button type="submit" className="button button-primary" data-testid="audit-apply">
            {t('auditLog.apply')}
          </button>
          <button
            type="button"
            className="button"
            onClick={clear}
            disabled={!filtered && form === NO_FILTERS}
          >
            {t('auditLog.clear')}
          </button>
        </div>
      </form>

      <p className="sr-only" role="status">
        {list.status === 'ready' ? t('auditLog.shown', { count: list.entries.length }) : ''}
      </p>
      {list.status === 'loading' && <p className="muted">{t('auditLog.loading')}</p>}
      {list.status === 'error' && (
        <div className="alert alert-error" role="alert">
          <p>
            {list.error instanceof ApiError && list.error.status === 400
              ? `${t('auditLog.badFilter')} ${list.error.message}`
              : `${t('auditLog.loadFailed')} ${describeError(list.error, t)}`}
          </p>
          <button
            type="button"
            className="button button-small"
            onClick={() => void fetchPage(applied, list.entries.length ? list.next : null)}
          >
            {t('errors.retry')}
          </button>
        </div>
      )}
      {list.status === 'ready' && list.entries.length === 0 && (
        <p className="muted" data-testid="audit-empty">
          {filtered ? t('auditLog.emptyFiltered') : t('auditLog.empty')}
        </p>
      )}
      {list.entries.length > 0 && (
        <table className="table audit-table" ref={tableRef} tabIndex={-1} data-testid="audit-table">
          <caption className="sr-only">{t('auditLog.tableCaption')}</caption>
          <thead>
            <tr>
              <th scope="col" className="audit-col-time">
                {t('auditLog.time')}
              </th>
              <th scope="col" className="audit-col-actor">
                {t('auditLog.actor')}
              </th>
              <th scope="col" className="audit-col-action">
                {t('auditLog.action')}
              </th>
              <th scope="col" className="audit-col-target">
                {t('auditLog.target')}
              </th>
              <th scope="col">{t('auditLog.details')}</th>
            </tr>
          </thead>
          <tbody>
            {list.entries.map((e) => (
              <tr key={e.id} data-testid="audit-row" data-action={e.action} data-id={e.id}>
                <td className="audit-col-time">
                  <time dateTime={e.at}>{bishkekTime(e.at, locale)}</time>
                  <br />
                  <span className="muted">#{e.id}</span>
                </td>
                <td className="audit-col-actor">
                  {e.actor ? (
                    <>
                      {e.actor.displayName ?? shortId(e.actor.id)}
                      <br />
                      <span className="muted">
                        {e.actor.username ?? ''}
                        {e.actor.role ? ` · ${maybe(i18n, t, `roles.${e.actor.role}`) ?? e.actor.role}` : ''}
                      </span>
                    </>
                  ) : (
                    <span className="muted">{t('auditLog.system')}</span>
                  )}
                </td>
                <th scope="row" className="audit-col-action">
                  {actionName(e.action, t, i18n)}
                  <br />
                  <span className="muted mono audit-code">{e.action}</span>
                </th>
                <td className="audit-col-target">
                  {e.target ? (
                    <>
                      {maybe(i18n, t, `auditLog.targets.${e.target.type}`) ?? e.target.type}
                      {(e.target.label || e.target.id) && (
                        <>
                          <br />
                          {e.target.id ? (
                            <button
                              type="button"
                              className="link-button mono"
                              title={e.target.id}
                              onClick={() =>
                                narrow({ targetType: e.target?.type ?? '', targetId: e.target?.id ?? '' })
                              }
                            >
                              {e.target.label ?? shortId(e.target.id)}
                              <span className="sr-only"> {t('auditLog.showTarget')}</span>
                            </button>
                          ) : (
                            e.target.label
                          )}
                        </>
                      )}
                    </>
                  ) : (
                    <span className="muted">—</span>
                  )}
                </td>
                <td className="audit-details">
                  {Object.keys(e.details).length ? valueText(e.details) : <span className="muted">—</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {list.next !== null && list.entries.length > 0 && (
        <button
          type="button"
          className="button audit-more"
          aria-disabled={list.status === 'more' || undefined}
          onClick={() => {
            if (list.status !== 'more') void fetchPage(applied, list.next);
          }}
          data-testid="audit-more"
        >
          {list.status === 'more' ? t('auditLog.loading') : t('auditLog.loadMore')}
        </button>
      )}
    </>
  );
}

/** The target types the log uses, offered as suggestions (any lower-case word may be typed). */
const TARGET_TYPES = [
  'consultation',
  'user',
  'session',
  'referral',
  'follow_up',
  'call',
  'partner',
  'handover_note',
  'export',
  'wall_display',
  'alert',
  'methodology',
] as const;
