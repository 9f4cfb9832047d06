import type { AlertKind, BoardAlert, Locale } from '@korgon/domain';
import type { TFunction } from 'i18next';
import { type ReactNode, useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useServerNow } from '../../features/queue/queue-hooks';
import { partnerName } from '../../features/referrals/referral-bits';
import { isRetryable, referralsApi } from '../../features/referrals/referrals-api';
import { riskApi } from '../../features/risk/risk-api';
import { useCurrentLocale } from '../../i18n/language';
import { ApiError } from '../../lib/api';
import { describeError } from '../../lib/describe-error';
import { formatDateTime } from '../../lib/format';
import { levelClass, levelName } from '../../lib/risk-levels';
import { consultationHref } from '../../lib/route';
import { alertsApi } from './alerts-api';
import { loadAlerts } from './alerts-live';
import { shownAlerts, useAlertsStore, useOpenAlertCount } from './alerts-store';

/** Announced assertively (someone may be in danger, or a caller is left waiting); the rest politely. */
const ASSERTIVE: readonly AlertKind[] = [
  'critical_risk',
  'long_wait',
  'referral_escalated',
  'referral_failed',
];

/** "3 minutes ago", in the reader's language (plural forms from the locale files, Kyrgyz included). */
function agoText(ms: number, t: TFunction): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return t('alerts.agoSeconds', { count: s });
  if (s < 3600) return t('alerts.agoMinutes', { count: Math.floor(s / 60) });
  return t('alerts.agoHours', { count: Math.floor(s / 3600) });
}

/** What the alert is about, in one sentence (the visible item adds links; announcements read this). */
function subjectText(a: BoardAlert, t: TFunction, locale: Locale): string {
  const time = formatDateTime(a.causeAt, locale);
  const reference = a.consultation ? t('alerts.consultation', { id: a.consultation.reference }) : '';
  const referral = a.referral
    ? t('alerts.subject.referral', {
        reference: a.referral.reference,
        partner: partnerName(a.referral.partner.name, locale),
      })
    : '';
  const operator = a.operator ? t('alerts.subject.operator', { name: a.operator.displayName }) : '';
  const parts: Record<AlertKind, string[]> = {
    long_wait: [t('alerts.subject.waiting', { time })],
    unknown_extension: [t('alerts.subject.unknownExtension', { extension: a.call?.extension ?? '?' })],
    critical_risk: [reference, operator],
    override_pending: [reference, operator],
    consent_exception: [
      referral,
      a.referral?.consentException
        ? t('alerts.subject.exception', { kind: t(`referrals.exception.${a.referral.consentException}`) })
        : '',
      operator,
    ],
    referral_escalated: [referral, reference],
    referral_failed: [referral, reference],
    wrap_up_long: [t('alerts.subject.wrapUp', { name: a.operator?.displayName ?? '', time })],
    follow_up_overdue: [
      t('alerts.subject.followUp', { time }),
      reference,
      a.operator
        ? t('alerts.subject.followUpHolder', { name: a.operator.displayName })
        : t('alerts.subject.followUpShift'),
    ],
  };
  return parts[a.kind].filter(Boolean).join('. ');
}

function announcement(a: BoardAlert, t: TFunction, locale: Locale): string {
  if (a.kind === 'override_pending')
    return t('alerts.announceRequest', { name: a.operator?.displayName ?? '' });
  return t('alerts.announce', { kind: t(`alerts.kind.${a.kind}`), subject: subjectText(a, t, locale) });
}

/**
 * The number of open alerts: in words beside the board's heading; as a number (in words for screen readers)
 * in the main navigation and the alerts panel's heading. Nothing when none is open.
 */
export function OpenAlertsBadge({ place }: { place: 'heading' | 'panel' | 'nav' }) {
  const { t } = useTranslation();
  const count = useOpenAlertCount();
  if (!count) return null;
  const words = t('alerts.openCount', { count });
  return (
    <span className={`alerts-count alerts-count-${place}`} data-testid={`alerts-open-count-${place}`}>
      {place === 'heading' ? (
        words
      ) : (
        <>
          <span aria-hidden="true">{count}</span>
          <span className="sr-only">{words}</span>
        </>
      )}
    </span>
  );
}

/**
 * The supervisor's alerts (docs/board.md "Alerts"): rows in PostgreSQL, read on arrival and at every
 * reconnect, kept live by `alert:changed`. Open ones first, then acknowledged ones (by whom, when); a resolved
 * one stays a minute, then moves to "handled". New ones sound (unless muted) and are announced.
 */
export function AlertsPanel() {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const status = useAlertsStore((s) => s.status);
  const error = useAlertsStore((s) => s.error);
  const byId = useAlertsStore((s) => s.byId);
  const arrivals = useAlertsStore((s) => s.arrivals);
  const muted = useAlertsStore((s) => s.muted);
  const setMuted = useAlertsStore((s) => s.setMuted);
  const now = useServerNow();
  // Only what arrives while the board is on screen is announced; what came before is in the list.
  const since = useRef(useAlertsStore.getState().seq);
  const headingId = useId();
  const soundId = useId();

  useEffect(() => {
    void loadAlerts();
  }, []);

  const { active, handled, open } = shownAlerts(byId, now);
  const fresh = arrivals
    .filter((r) => r.seq > since.current)
    .map((r) => byId[r.id])
    .filter((a): a is BoardAlert => a !== undefined)
    .reverse();
  const say = (a: BoardAlert | undefined) => (a ? announcement(a, t, locale) : '');
  const assertive = say(fresh.find((a) => ASSERTIVE.includes(a.kind)));
  const polite = say(fresh.find((a) => !ASSERTIVE.includes(a.kind)));

  return (
    <section className="panel alerts-panel" aria-labelledby={headingId} data-testid="alerts-panel">
      <div className="alerts-head">
        <h2 id={headingId}>
          {t('alerts.title')} <OpenAlertsBadge place="panel" />
        </h2>
        <div className="alerts-sound">
          <input
            id={soundId}
            type="checkbox"
            checked={!muted}
            onChange={(e) => setMuted(!e.target.checked)}
            data-testid="alerts-sound"
          />
          <label htmlFor={soundId}>{t('alerts.soundLabel')}</label>
        </div>
      </div>
      <div className="sr-only" aria-live="assertive" aria-atomic="true" data-testid="alerts-live-assertive">
        {assertive}
      </div>
      <div className="sr-only" aria-live="polite" aria-atomic="true" data-testid="alerts-live-polite">
        {polite}
      </div>

      {status === 'error' && (
        <div className="alert alert-error" role="alert">
          <p>
            {t('alerts.loadFailed')} {describeError(error, t)}
          </p>
          <button type="button" className="button button-small" onClick={() => void loadAlerts()}>
            {t('errors.retry')}
          </button>
        </div>
      )}
      {status === 'loading' && active.length === 0 && <p role="status">{t('alerts.loading')}</p>}
      {status === 'ready' && open === 0 && (
        <p className="muted" data-testid="alerts-empty">
          {t('alerts.none')}
        </p>
      )}
      {active.length > 0 && (
        <ol className="board-alerts" aria-labelledby={headingId} data-testid="board-alerts">
          {active.map((a) => (
            <AlertItem key={a.id} a={a} now={now} />
          ))}
        </ol>
      )}
      {handled.length > 0 && (
        <details className="alerts-handled" data-testid="alerts-handled">
          <summary>{t('alerts.handledTitle', { count: handled.length })}</summary>
          <ol className="board-alerts">
            {handled.map((a) => (
              <AlertItem key={a.id} a={a} now={now} />
            ))}
          </ol>
        </details>
      )}
    </section>
  );
}

function ConsultationLink({ a }: { a: BoardAlert }) {
  const { t } = useTranslation();
  if (!a.consultation) return null;
  return (
    <a className="mono" href={consultationHref(a.consultation.id)} data-testid="board-alert-consultation">
      {t('alerts.consultation', { id: a.consultation.reference })}
    </a>
  );
}

function Subject({ a }: { a: BoardAlert }) {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const time = formatDateTime(a.causeAt, locale);
  const operator = a.operator && (
    <span data-testid="board-alert-operator">
      {t('alerts.subject.operator', { name: a.operator.displayName })}
    </span>
  );
  const level = a.consultation?.level && (
    <span className={`level-badge ${levelClass(a.consultation.level)}`}>
      {levelName(a.consultation.level, locale, t)}
    </span>
  );
  const referral = a.referral && (
    <span data-testid="board-alert-referral">
      {t('alerts.subject.referral', {
        reference: a.referral.reference,
        partner: partnerName(a.referral.partner.name, locale),
      })}
      {a.referral.urgency === 'urgent' && (
        <>
          {' '}
          <span className="urgency-badge">{t('referrals.urgency.urgent')}</span>
        </>
      )}
    </span>
  );
  const parts: Record<AlertKind, ReactNode[]> = {
    long_wait: [t('alerts.subject.waiting', { time })],
    unknown_extension: [t('alerts.subject.unknownExtension', { extension: a.call?.extension ?? '?' })],
    critical_risk: [level, <ConsultationLink key="k" a={a} />, operator],
    override_pending: [<ConsultationLink key="k" a={a} />],
    consent_exception: [
      referral,
      a.referral?.consentException &&
        t('alerts.subject.exception', { kind: t(`referrals.exception.${a.referral.consentException}`) }),
      <ConsultationLink key="k" a={a} />,
      operator,
    ],
    referral_escalated: [referral, <ConsultationLink key="k" a={a} />, operator],
    referral_failed: [referral, <ConsultationLink key="k" a={a} />, operator],
    wrap_up_long: [t('alerts.subject.wrapUp', { name: a.operator?.displayName ?? '', time })],
    follow_up_overdue: [
      t('alerts.subject.followUp', { time }),
      <ConsultationLink key="k" a={a} />,
      a.operator
        ? t('alerts.subject.followUpHolder', { name: a.operator.displayName })
        : t('alerts.subject.followUpShift'),
    ],
  };
  return (
    <p className="board-alert-subject" data-testid="board-alert-subject">
      {parts[a.kind].filter(Boolean).map((p, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a fixed list of parts per kind, never reordered.
        <span key={i} className="board-alert-part">
          {p}
        </span>
      ))}
    </p>
  );
}

function AlertItem({ a, now }: { a: BoardAlert; now: number }) {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const headId = useId();

  async function acknowledge() {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      useAlertsStore.getState().merge(await alertsApi.acknowledge(a.id));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <li
      className={`board-alert board-alert-${a.state} board-alert-${a.kind}`}
      data-testid="board-alert"
      data-alert-id={a.id}
      data-kind={a.kind}
      data-state={a.state}
      data-call-id={a.call?.id}
      data-consultation-id={a.consultation?.id}
      data-referral-id={a.referral?.id}
      data-level={a.consultation?.level ?? undefined}
    >
      <p className="board-alert-head" id={headId}>
        <strong data-testid="board-alert-kind">{t(`alerts.kind.${a.kind}`)}</strong>{' '}
        <time dateTime={a.raisedAt} title={formatDateTime(a.raisedAt, locale)} className="muted">
          {agoText(now - Date.parse(a.raisedAt), t)}
        </time>
      </p>
      <Subject a={a} />
      {a.kind === 'override_pending' && a.override && <SignOff a={a} />}
      {(a.kind === 'referral_escalated' || a.kind === 'referral_failed') && <Redirect a={a} />}
      {a.acknowledgedBy && a.acknowledgedAt && (
        <p className="board-alert-ack" data-testid="board-alert-ack">
          {t('alerts.acknowledgedBy', {
            name: a.acknowledgedBy.displayName,
            time: formatDateTime(a.acknowledgedAt, locale),
          })}
        </p>
      )}
      {a.state === 'resolved' && a.resolvedAt && !a.acknowledgedBy && (
        <p className="board-alert-resolved muted" data-testid="board-alert-resolved">
          {t('alerts.resolved', { time: formatDateTime(a.resolvedAt, locale) })}
        </p>
      )}
      {!a.acknowledgedAt && (
        <button
          type="button"
          className="button button-small"
          aria-describedby={headId}
          aria-disabled={busy || undefined}
          onClick={() => void acknowledge()}
          data-testid="board-alert-acknowledge"
        >
          {busy ? t('alerts.acknowledging') : t('alerts.acknowledge')}
        </button>
      )}
      {error !== null && (
        <p className="inline-error" role="alert">
          {describeError(error, t)}
        </p>
      )}
    </li>
  );
}

/** The override alert's sign-off: the request and its reason, a note, Approve or Refuse; then the decision. */
function SignOff({ a }: { a: BoardAlert }) {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const reason = useAlertsStore((s) => (a.override ? s.reasons[a.override.assessmentId] : undefined));
  const [note, setNote] = useState('');
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const noteId = useId();
  const o = a.override;
  if (!o) return null;
  const pending = o.status === 'pending_sign_off' && a.state !== 'resolved';

  async function decide(approve: boolean) {
    if (sending || !o) return;
    setSending(true);
    setError(null);
    try {
      await riskApi.signOff(o.assessmentId, approve, note);
      // The alert resolves by the server's sync and comes back pushed, with the decision.
    } catch (e) {
      setError(e);
    } finally {
      setSending(false);
    }
  }

  return (
    <div
      className="sign-off"
      data-testid="sign-off-request"
      data-assessment-id={o.assessmentId}
      data-state={o.status}
    >
      <p>
        {t('signOff.request', {
          name: a.operator?.displayName ?? '',
          from: levelName(o.computedLevel, locale, t),
          to: levelName(o.requestedLevel, locale, t),
        })}
      </p>
      {reason !== undefined && <p className="sign-off-reason">{t('signOff.reason', { reason })}</p>}
      {pending ? (
        <>
          <div className="field">
            <label htmlFor={noteId}>{t('signOff.note')}</label>
            <textarea
              id={noteId}
              rows={2}
              maxLength={1000}
              value={note}
              onChange={(e) => setNote(e.target.value)}
            />
          </div>
          <div className="form-actions">
            <button
              type="button"
              className="button button-primary button-small"
              aria-disabled={sending || undefined}
              onClick={() => void decide(true)}
            >
              {t('signOff.approve')}
            </button>
            <button
              type="button"
              className="button button-danger button-small"
              aria-disabled={sending || undefined}
              onClick={() => void decide(false)}
            >
              {t('signOff.refuse')}
            </button>
          </div>
        </>
      ) : (
        o.status !== 'pending_sign_off' && (
          <p
            className={`alert ${o.status === 'signed' ? 'alert-success' : 'alert-warning'}`}
            role="status"
            data-testid="sign-off-result"
          >
            {t(o.status === 'signed' ? 'signOff.approved' : 'signOff.refused', {
              name: o.decidedBy?.displayName ?? '',
            })}
          </p>
        )
      )}
      {error !== null && (
        <p className="inline-error" role="alert">
          {error instanceof ApiError && error.status === 409
            ? t('signOff.alreadyDecided')
            : describeError(error, t)}
        </p>
      )}
    </div>
  );
}

/**
 * A failed or escalated referral: the consultation's next suitable partner (other than this one), and a
 * one-click redirect there. The referral is revoked and sent anew; the alert resolves by itself.
 */
function Redirect({ a }: { a: BoardAlert }) {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const [next, setNext] = useState<{ id: string; name: string } | null | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const newId = useRef(crypto.randomUUID());
  const consultationId = a.consultation?.id;
  const current = a.referral?.partner.id;
  const type = a.referral?.partner.type;
  const resolved = a.state === 'resolved';

  useEffect(() => {
    if (!consultationId || resolved) return;
    let live = true;
    referralsApi.suggestions(consultationId).then(
      (list) => {
        // Of the same kind as the one that failed first (as the consultation's ranking has it), else any other.
        const others = list.filter((p) => p.partnerId !== current);
        const found = others.find((p) => p.type === type) ?? others[0];
        if (live) setNext(found ? { id: found.partnerId, name: partnerName(found.name, locale) } : null);
      },
      () => {
        if (live) setNext(null);
      },
    );
    return () => {
      live = false;
    };
  }, [consultationId, current, type, locale, resolved]);

  async function redirect() {
    if (busy || !next || !a.referral) return;
    setBusy(true);
    setError(null);
    try {
      await referralsApi.redirect(a.referral.id, next.id, newId.current);
      setDone(next.name);
    } catch (e) {
      // A redirect whose answer was lost keeps its new id, so trying again cannot send it twice.
      if (!isRetryable(e)) newId.current = crypto.randomUUID();
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  if (done !== null)
    return (
      <p className="alert alert-success" role="status" data-testid="referral-alert-redirected">
        {t('alerts.redirected', { name: done })}
      </p>
    );
  if (resolved || next === undefined) return null;
  if (next === null) return <p className="muted">{t('alerts.noSuggestion')}</p>;
  return (
    <div className="board-alert-redirect">
      <p className="board-alert-suggestion">{t('alerts.suggestion', { name: next.name })}</p>
      <button
        type="button"
        className="button button-small button-primary"
        aria-disabled={busy || undefined}
        onClick={() => void redirect()}
        data-testid="referral-alert-redirect"
      >
        {busy ? t('alerts.redirecting') : t('alerts.redirect', { name: next.name })}
      </button>
      {error !== null && (
        <p className="inline-error" role="alert">
          {error instanceof ApiError && error.status === 409
            ? t('referrals.stateMoved')
            : describeError(error, t)}
        </p>
      )}
    </div>
  );
}
