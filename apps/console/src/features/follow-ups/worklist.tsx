import { can, type FollowUp, type OperatorView } from '@korgon/domain';
import { type FormEvent, type ReactNode, useEffect, useId, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useCurrentLocale } from '../../i18n/language';
import { selectMe, useAuthStore } from '../../lib/auth-store';
import { describeError } from '../../lib/describe-error';
import { formatDateTime } from '../../lib/format';
import { levelClass, levelName } from '../../lib/risk-levels';
import { consultationHref, openConsultation } from '../../lib/route';
import { followUpsApi } from './follow-ups-api';
import { phaseAt, type ShownPhase, useFollowUpsStore } from './follow-ups-store';

const DAY_MS = 24 * 3_600_000;
const PHASES = ['overdue', 'due', 'upcoming', 'closed'] as const satisfies readonly ShownPhase[];
const ORDER: Record<ShownPhase, number> = { overdue: 0, due: 1, upcoming: 2, closed: 3 };
/** A shape beside the words, so that a phase never reads by colour alone (hidden from screen readers). */
const MARK: Record<ShownPhase, string> = { overdue: '⚠', due: '●', upcoming: '○', closed: '✓' };
const CLOSED_MARK: Record<FollowUp['state'], string> = { due: '●', done: '✓', missed: '✕', cancelled: '✕' };

/** The console's clock, moved on every 30 s so that "due" turns "overdue" on screen. */
function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 30_000);
    return () => window.clearInterval(timer);
  }, []);
  return now;
}

/**
 * The follow-up worklists. On the desk: mine, and the shift's (nobody's yet, any operator may take one). On the
 * board: every follow-up of the shift. Due and overdue ones first, then those closed in the last day. Read on
 * arrival and at every reconnect, kept live by the follow-up pushes.
 */
/**
 * `operators` are whom a supervisor may hand a follow-up to (the board passes the live list; the desk, where
 * nobody hands over, passes none).
 */
export function FollowUpsPanel({
  area,
  operators = [],
}: {
  area: 'desk' | 'board';
  operators?: readonly OperatorView[];
}) {
  const { t } = useTranslation();
  const me = useAuthStore(selectMe);
  const meId = me?.id ?? '';
  const byId = useFollowUpsStore((s) => s.byId);
  const epoch = useFollowUpsStore((s) => s.epoch);
  const [status, setStatus] = useState<'loading' | 'ready' | 'error'>('loading');
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);
  const [upcoming, setUpcoming] = useState(0);
  const now = useNow();
  const headingId = useId();

  useEffect(() => {
    void epoch;
    void attempt;
    let live = true;
    const scopes = area === 'desk' ? (['mine', 'shift'] as const) : (['shift'] as const);
    Promise.all(scopes.map((s) => followUpsApi.list(s))).then(
      (lists) => {
        if (!live) return;
        for (const l of lists) useFollowUpsStore.getState().upsertMany([...l.items, ...l.upcomingItems]);
        setUpcoming(lists.reduce((n, l) => n + l.upcoming, 0));
        setStatus('ready');
      },
      (e: unknown) => {
        if (!live) return;
        setError(e);
        setStatus('error');
      },
    );
    return () => {
      live = false;
    };
  }, [area, epoch, attempt]);

  const shown = useMemo(() => {
    const list = Object.values(byId)
      .map((f) => ({ f, phase: phaseAt(f, now) }))
      .filter(({ f, phase }) => phase !== 'closed' || now - Date.parse(f.closedAt ?? '') < DAY_MS)
      .sort(
        (a, b) =>
          ORDER[a.phase] - ORDER[b.phase] ||
          (a.phase === 'closed'
            ? (b.f.closedAt ?? '').localeCompare(a.f.closedAt ?? '')
            : a.f.raiseAt.localeCompare(b.f.raiseAt)),
      );
    return {
      mine: list.filter(({ f }) => f.assignee?.id === meId),
      shift: list.filter(({ f }) => f.assignee === null),
      all: list,
    };
  }, [byId, now, meId]);

  const lists =
    area === 'desk'
      ? [
          { id: 'mine', title: t('followUps.mine'), items: shown.mine, empty: t('followUps.noneMine') },
          { id: 'shift', title: t('followUps.shift'), items: shown.shift, empty: t('followUps.noneShift') },
        ]
      : [{ id: 'all', title: null, items: shown.all, empty: t('followUps.noneBoard') }];

  return (
    <section className="panel follow-ups" aria-labelledby={headingId} data-testid={`follow-ups-${area}`}>
      <h2 id={headingId}>{area === 'desk' ? t('followUps.title') : t('followUps.boardTitle')}</h2>
      {status === 'error' && (
        <div className="alert alert-error" role="alert">
          <p>
            {t('followUps.loadFailed')} {describeError(error, t)}
          </p>
          <button type="button" className="button button-small" onClick={() => setAttempt((n) => n + 1)}>
            {t('errors.retry')}
          </button>
        </div>
      )}
      {status === 'loading' && <p role="status">{t('followUps.loading')}</p>}
      {lists.map((l) => (
        <div key={l.id} className="follow-up-list" data-testid={`follow-ups-${l.id}`}>
          {l.title && <h3>{l.title}</h3>}
          {status === 'ready' && l.items.length === 0 && <p className="muted">{l.empty}</p>}
          {PHASES.map((phase) => {
            const items = l.items.filter((i) => i.phase === phase);
            if (items.length === 0) return null;
            return (
              <PhaseGroup key={phase} phase={phase} count={items.length}>
                {items.map(({ f, phase }) => (
                  <FollowUpItem key={f.id} f={f} phase={phase} area={area} operators={operators} />
                ))}
              </PhaseGroup>
            );
          })}
        </div>
      ))}
      {status === 'ready' && upcoming > 0 && (
        <p className="field-hint" data-testid="follow-ups-upcoming">
          {t('followUps.upcoming', { count: upcoming })}
        </p>
      )}
    </section>
  );
}

/** One phase of a list (overdue, due now, coming later, closed), under a heading that names it and counts it. */
function PhaseGroup({ phase, count, children }: { phase: ShownPhase; count: number; children: ReactNode }) {
  const { t } = useTranslation();
  const headingId = useId();
  return (
    <section
      className={`follow-up-group follow-up-group-${phase}`}
      aria-labelledby={headingId}
      data-testid={`follow-up-group-${phase}`}
    >
      <h4 id={headingId}>
        <span aria-hidden="true" className="follow-up-mark">
          {MARK[phase]}
        </span>{' '}
        {t(`followUps.groups.${phase}`, { count })}
      </h4>
      <ul className="follow-up-items">{children}</ul>
    </section>
  );
}

function FollowUpItem({
  f,
  phase,
  area,
  operators,
}: {
  f: FollowUp;
  phase: ShownPhase;
  area: 'desk' | 'board';
  operators: readonly OperatorView[];
}) {
  const showAssignee = area === 'board';
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const me = useAuthStore(selectMe);
  const meId = me?.id ?? '';
  const manages = me ? can(me.role, 'follow-up:manage') : false;
  const [closing, setClosing] = useState<'missed' | 'cancel' | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const titleId = useId();
  const mayAct = f.state === 'due' && (f.assignee === null || f.assignee.id === meId || manages);

  async function act(work: () => Promise<FollowUp | undefined>) {
    setBusy(true);
    setError(null);
    try {
      const f2 = await work();
      if (f2) useFollowUpsStore.getState().upsert(f2);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  const start = () =>
    act(async () => {
      const started = await followUpsApi.start(f.id, crypto.randomUUID());
      useFollowUpsStore.getState().upsert(started.followUp);
      openConsultation(started.consultationId);
      return undefined;
    });

  return (
    <li
      className={`follow-up-item follow-up-${phase}`}
      data-testid="follow-up"
      data-follow-up-id={f.id}
      data-phase={phase}
      data-state={f.state}
      data-assignee-id={f.assignee?.id ?? ''}
      aria-labelledby={titleId}
    >
      <p className="follow-up-head">
        <strong id={titleId}>{t(`followUps.kinds.${f.kind}`)}</strong>
        {f.reference && <span className="muted"> · {f.reference}</span>}{' '}
        <span className={`badge follow-up-phase follow-up-phase-${phase}`}>
          <span aria-hidden="true" className="follow-up-mark">
            {phase === 'closed' ? CLOSED_MARK[f.state] : MARK[phase]}
          </span>{' '}
          <span data-testid="follow-up-phase">
            {phase === 'closed' ? t(`followUps.states.${f.state}`) : t(`followUps.phases.${phase}`)}
          </span>
        </span>
        {f.riskLevel && (
          <>
            {' '}
            <span className={`level-badge ${levelClass(f.riskLevel)}`}>
              {levelName(f.riskLevel, locale, t)}
            </span>
          </>
        )}
      </p>
      <p className="follow-up-when">
        {t('followUps.dueAt', { date: formatDateTime(f.raiseAt, locale) })}
        {f.window && ` · ${t('followUps.window', { from: f.window.from, to: f.window.to })}`}
        {showAssignee && (
          <>
            {' · '}
            <span data-testid="follow-up-assignee">
              {f.assignee ? f.assignee.displayName : t('followUps.shiftOwner')}
            </span>
          </>
        )}
      </p>
      {phase === 'overdue' && (
        <p className="follow-up-overdue-since">
          {t('followUps.overdueSince', { date: formatDateTime(f.overdueAt, locale) })}
        </p>
      )}
      {f.state === 'missed' || f.state === 'cancelled'
        ? f.reason && <p className="muted">{t('followUps.reasonWas', { reason: f.reason })}</p>
        : null}
      {f.state === 'done' && f.doneBy && (
        <p>
          <a href={consultationHref(f.doneBy)}>{t('followUps.openDone')}</a>
        </p>
      )}
      {mayAct && closing === null && (
        <div className="form-actions">
          {f.startedConsultationId && f.assignee?.id === meId ? (
            <a
              className="button button-primary button-small"
              href={consultationHref(f.startedConsultationId)}
            >
              {t('followUps.continue')}
            </a>
          ) : phase === 'upcoming' ? null : (
            // Not before its time: it is raised inside the caller's safe window.
            <button
              type="button"
              className="button button-primary button-small"
              disabled={busy}
              onClick={() => void start()}
            >
              {t('followUps.start')}
            </button>
          )}
          {f.assignee === null && (
            <button
              type="button"
              className="button button-small"
              disabled={busy}
              onClick={() => void act(() => followUpsApi.take(f.id))}
            >
              {t('followUps.take')}
            </button>
          )}
          {phase !== 'upcoming' && (
            <button type="button" className="button button-small" onClick={() => setClosing('missed')}>
              {t('followUps.markMissed')}
            </button>
          )}
          <button type="button" className="button button-small" onClick={() => setClosing('cancel')}>
            {t('followUps.cancel')}
          </button>
        </div>
      )}
      {area === 'board' && manages && f.state === 'due' && closing === null && (
        <HandOver f={f} operators={operators} onDone={(f2) => useFollowUpsStore.getState().upsert(f2)} />
      )}
      {mayAct && closing !== null && (
        <ReasonForm
          kind={closing}
          busy={busy}
          onBack={() => setClosing(null)}
          onSubmit={(reason) =>
            void act(() =>
              closing === 'missed' ? followUpsApi.missed(f.id, reason) : followUpsApi.cancel(f.id, reason),
            ).then(() => setClosing(null))
          }
        />
      )}
      {error !== null && (
        <p className="alert alert-error" role="alert">
          {describeError(error, t)}
        </p>
      )}
    </li>
  );
}

const TO_SHIFT = 'shift';

/**
 * A supervisor hands a follow-up to another operator, or back to the shift. The server audits it and pushes it to
 * the one who had it, the one who has it now, and the board.
 */
function HandOver({
  f,
  operators,
  onDone,
}: {
  f: FollowUp;
  operators: readonly OperatorView[];
  onDone(f: FollowUp): void;
}) {
  const { t } = useTranslation();
  const [to, setTo] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const selectId = useId();
  const choices = operators.filter((op) => op.id !== f.assignee?.id);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy || !to) return;
    setBusy(true);
    setError(null);
    try {
      onDone(await followUpsApi.assign(f.id, to === TO_SHIFT ? null : to));
      setTo('');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="inline-form follow-up-hand-over" onSubmit={(e) => void submit(e)}>
      <div className="field">
        <label htmlFor={selectId}>{t('followUps.handOverLabel')}</label>
        <select id={selectId} value={to} onChange={(e) => setTo(e.target.value)}>
          <option value="">{t('followUps.handOverChoose')}</option>
          {f.assignee !== null && <option value={TO_SHIFT}>{t('followUps.handOverShift')}</option>}
          {choices.map((op) => (
            <option key={op.id} value={op.id}>
              {op.displayName}
            </option>
          ))}
        </select>
      </div>
      <button type="submit" className="button button-small" disabled={!to || busy}>
        {t('followUps.handOver')}
      </button>
      {error !== null && (
        <p className="inline-error" role="alert">
          {t('followUps.handOverFailed')} {describeError(error, t)}
        </p>
      )}
    </form>
  );
}

function ReasonForm({
  kind,
  busy,
  onBack,
  onSubmit,
}: {
  kind: 'missed' | 'cancel';
  busy: boolean;
  onBack(): void;
  onSubmit(reason: string): void;
}) {
  const { t } = useTranslation();
  const [reason, setReason] = useState('');
  const [invalid, setInvalid] = useState(false);
  const fieldId = useId();
  const errorId = useId();

  function submit(e: FormEvent) {
    e.preventDefault();
    if (reason.trim().length < 3) {
      setInvalid(true);
      document.getElementById(fieldId)?.focus();
      return;
    }
    onSubmit(reason.trim());
  }

  return (
    <form className="follow-up-reason" onSubmit={submit} noValidate>
      <div className="field">
        <label htmlFor={fieldId}>
          {kind === 'missed' ? t('followUps.missedReason') : t('followUps.cancelReason')}
        </label>
        <textarea
          id={fieldId}
          rows={2}
          maxLength={1000}
          value={reason}
          aria-invalid={invalid || undefined}
          aria-describedby={invalid ? errorId : undefined}
          // biome-ignore lint/a11y/noAutofocus: the form opens on the person's own click, to write the reason
          autoFocus
          onChange={(e) => {
            setReason(e.target.value);
            if (invalid && e.target.value.trim().length >= 3) setInvalid(false);
          }}
        />
        {invalid && (
          <p id={errorId} className="field-error">
            {t('followUps.reasonRequired')}
          </p>
        )}
      </div>
      <div className="form-actions">
        <button type="submit" className="button button-primary button-small" disabled={busy}>
          {kind === 'missed' ? t('followUps.confirmMissed') : t('followUps.confirmCancel')}
        </button>
        <button type="button" className="button button-small" onClick={onBack}>
          {t('followUps.back')}
        </button>
      </div>
    </form>
  );
}
