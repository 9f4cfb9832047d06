import type {
  AttentionFailedReferral,
  AttentionHighRisk,
  AttentionOverdueFollowUp,
  AttentionUrgentReferral,
  Locale,
  Referral,
} from '@korgon/domain';
import { statusesFrom } from '@korgon/domain';
import type { TFunction } from 'i18next';
import { type ReactNode, useEffect, useId, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDuration, useServerNow } from '../../features/queue/queue-hooks';
import {
  partnerName,
  partnerTypeName,
  StatusBadge,
  UrgencyBadge,
} from '../../features/referrals/referral-bits';
import { referralsApi } from '../../features/referrals/referrals-api';
import { isOpenReferral, useReferralsStore } from '../../features/referrals/referrals-store';
import { useCurrentLocale } from '../../i18n/language';
import { describeError } from '../../lib/describe-error';
import { formatDateTime } from '../../lib/format';
import { consultationHref } from '../../lib/route';
import { loadAttention, useAttentionStore, watchAttention } from './attention-store';

/** Sent but not yet acknowledged: what the escalation timer still watches. */
const AWAITING_ACKNOWLEDGEMENT = statusesFrom('escalated');

/** One of the lists: a heading with its count, the items, or a line saying there are none. */
function List({
  id,
  title,
  count,
  empty,
  children,
}: {
  id: string;
  title: string;
  count: number | null;
  empty: string;
  children: ReactNode;
}) {
  const headingId = useId();
  return (
    <section
      className={`attention-list${count ? ' attention-list-busy' : ''}`}
      aria-labelledby={headingId}
      data-testid={`attention-${id}`}
    >
      <h3 id={headingId}>
        {title}{' '}
        <span className="attention-count" data-testid={`attention-${id}-count`}>
          {count === null ? '…' : count}
        </span>
      </h3>
      {count === 0 ? <p className="muted attention-empty">{empty}</p> : <ul>{children}</ul>}
    </section>
  );
}

/** A referral's reference, leading to its consultation (where its card, timeline and actions are). */
function ReferralLink({
  reference,
  consultationId,
  consultationReference,
  t,
}: {
  reference: string;
  consultationId: string;
  consultationReference: string;
  t: TFunction;
}) {
  return (
    <a
      className="mono attention-ref"
      href={consultationHref(consultationId)}
      aria-label={t('boardAttention.referralLink', { reference, consultation: consultationReference })}
    >
      {reference}
    </a>
  );
}

const at = (iso: string, locale: Locale) => <time dateTime={iso}>{formatDateTime(iso, locale)}</time>;

function HighRiskItem({ k, locale, t }: { k: AttentionHighRisk; locale: Locale; t: TFunction }) {
  return (
    <li
      className={`attention-item attention-${k.level}`}
      data-testid="attention-high-risk-item"
      data-id={k.consultationId}
    >
      <a
        className="mono attention-ref"
        href={consultationHref(k.consultationId)}
        aria-label={t('alerts.consultation', { id: k.reference })}
      >
        {k.reference}
      </a>
      <span className={`level-badge level-${k.level}`}>
        {k.level === 'critical' ? '‼ ' : '! '}
        {t(`risk.levels.${k.level}`)}
      </span>
      <span>{k.operator.displayName}</span>
      <span className="muted">
        {k.status === 'draft' ? t('boardAttention.draft') : t('boardAttention.final')}
      </span>
      <span className="muted">
        {t('boardAttention.assessed')} {at(k.assessedAt, locale)}
      </span>
    </li>
  );
}

/** Counts down to the escalation; past it, red and saying "overdue" (the worker escalates it at once). */
function Countdown({ escalateAt, t }: { escalateAt: string | null; t: TFunction }) {
  const now = useServerNow();
  if (!escalateAt) return <span className="muted">{t('boardAttention.noDeadline')}</span>;
  const left = Date.parse(escalateAt) - now;
  if (left <= 0)
    return (
      <span className="countdown countdown-overdue" data-testid="urgent-countdown" data-overdue="true">
        ⚠ {t('boardAttention.overdueBy', { time: formatDuration(-left) })}
      </span>
    );
  return (
    <span className="countdown" data-testid="urgent-countdown" data-overdue="false">
      {t('boardAttention.escalatesIn')} <span className="timer">{formatDuration(left)}</span>
    </span>
  );
}

function UrgentItem({ r, locale, t }: { r: AttentionUrgentReferral; locale: Locale; t: TFunction }) {
  return (
    <li
      className="attention-item"
      data-testid="open-referral"
      data-referral-id={r.referralId}
      data-status={r.status}
      data-list="urgent"
    >
      <ReferralLink {...r} t={t} />
      <span>
        {partnerName(r.partner.name, locale)}{' '}
        <span className="muted">({partnerTypeName(r.partner.type, locale)})</span>
      </span>
      <StatusBadge status={r.status} />
      {r.consentException && <span className="badge badge-red">{t('board.refException')}</span>}
      <span className="muted">
        {t('boardAttention.sent')} {at(r.sentAt, locale)}
      </span>
      <Countdown escalateAt={r.escalateAt} t={t} />
    </li>
  );
}

function FailedItem({
  r,
  problem,
  locale,
  t,
}: {
  r: AttentionFailedReferral;
  problem: string | null;
  locale: Locale;
  t: TFunction;
}) {
  return (
    <li
      className="attention-item"
      data-testid="open-referral"
      data-referral-id={r.referralId}
      data-status={r.state}
      data-list="failed"
    >
      <ReferralLink {...r} t={t} />
      <span>
        {partnerName(r.partner.name, locale)}{' '}
        <span className="muted">({partnerTypeName(r.partner.type, locale)})</span>
      </span>
      <StatusBadge status={r.state} />
      <UrgencyBadge urgency={r.urgency} />
      {r.consentException && <span className="badge badge-red">{t('board.refException')}</span>}
      <span className="muted">{at(r.at, locale)}</span>
      {problem && <span className="attention-problem">{problem}</span>}
    </li>
  );
}

function OverdueItem({ f, locale, t }: { f: AttentionOverdueFollowUp; locale: Locale; t: TFunction }) {
  const now = useServerNow();
  return (
    <li className="attention-item" data-testid="attention-follow-up-item" data-id={f.followUpId}>
      <a
        className="mono attention-ref"
        href={consultationHref(f.consultationId)}
        aria-label={t('alerts.consultation', { id: f.consultationReference })}
      >
        {f.consultationReference}
      </a>
      <span>{t(`followUps.kinds.${f.kind}`)}</span>
      <span className="countdown countdown-overdue">
        ⚠ {t('boardAttention.overdueFor', { time: formatDuration(now - Date.parse(f.overdueSince)) })}
      </span>
      <span className="muted">
        {t('boardAttention.since')} {at(f.overdueSince, locale)}
      </span>
      <span>{f.assignee ? f.assignee.displayName : t('boardAttention.theShift')}</span>
    </li>
  );
}

/**
 * Risk and referrals (docs/board.md "Board screen"): the four lists of GET /api/board/attention, read again
 * after referral and follow-up pushes, after figures whose attention counts moved, and at every reconnect;
 * then the other open referrals (GET /api/referrals, kept live by `referral:changed`), so every open referral
 * is on the board once.
 */
export function AttentionPanel() {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const attention = useAttentionStore((s) => s.attention);
  const error = useAttentionStore((s) => s.error);
  const byId = useReferralsStore((s) => s.byId);
  const epoch = useReferralsStore((s) => s.epoch);
  const headingId = useId();
  const otherId = useId();

  useEffect(() => watchAttention(), []);
  // Every open referral, for those the lists above leave out; read again at every reconnect.
  useEffect(() => {
    void epoch;
    let live = true;
    referralsApi.open().then(
      (list) => live && useReferralsStore.getState().upsertMany(list),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [epoch]);

  const listed = useMemo(
    () =>
      new Set([
        ...(attention?.urgentReferrals.map((r) => r.referralId) ?? []),
        ...(attention?.failedOrEscalated.map((r) => r.referralId) ?? []),
      ]),
    [attention],
  );
  const others = useMemo(
    () =>
      Object.values(byId)
        .filter((r) => isOpenReferral(r) && !listed.has(r.id) && !['failed', 'escalated'].includes(r.status))
        // Urgent and still escalatable (not yet acknowledged): the server lists those itself, as urgentReferrals.
        .filter((r) => !(r.urgency === 'urgent' && AWAITING_ACKNOWLEDGEMENT.includes(r.status)))
        .sort((a, b) => a.createdAt.localeCompare(b.createdAt)),
    [byId, listed],
  );
  const problemOf = (id: string) => {
    const r: Referral | undefined = byId[id];
    return r?.status === 'failed' ? r.lastError : null;
  };
  const count = (list: unknown[] | undefined) => (list ? list.length : null);

  return (
    <section className="panel board-attention" aria-labelledby={headingId} data-testid="attention-panel">
      <h2 id={headingId}>{t('boardAttention.title')}</h2>
      {error !== null && (
        <div className="alert alert-error" role="alert">
          <p>
            {t('boardAttention.loadFailed')} {describeError(error, t)}
          </p>
          <button type="button" className="button button-small" onClick={() => void loadAttention()}>
            {t('errors.retry')}
          </button>
        </div>
      )}
      <div className="attention-grid">
        <List
          id="high-risk"
          title={t('boardAttention.highRisk')}
          count={count(attention?.highRisk)}
          empty={t('boardAttention.noHighRisk')}
        >
          {attention?.highRisk.map((k) => (
            <HighRiskItem key={k.consultationId} k={k} locale={locale} t={t} />
          ))}
        </List>
        <List
          id="urgent"
          title={t('boardAttention.urgent')}
          count={count(attention?.urgentReferrals)}
          empty={t('boardAttention.noUrgent')}
        >
          {attention?.urgentReferrals.map((r) => (
            <UrgentItem key={r.referralId} r={r} locale={locale} t={t} />
          ))}
        </List>
        <List
          id="failed"
          title={t('boardAttention.failed')}
          count={count(attention?.failedOrEscalated)}
          empty={t('boardAttention.noFailed')}
        >
          {attention?.failedOrEscalated.map((r) => (
            <FailedItem key={r.referralId} r={r} problem={problemOf(r.referralId)} locale={locale} t={t} />
          ))}
        </List>
        <List
          id="follow-ups"
          title={t('boardAttention.overdue')}
          count={count(attention?.overdueFollowUps)}
          empty={t('boardAttention.noOverdue')}
        >
          {attention?.overdueFollowUps.map((f) => (
            <OverdueItem key={f.followUpId} f={f} locale={locale} t={t} />
          ))}
        </List>
      </div>

      <details className="attention-others" data-testid="open-referrals" open>
        <summary id={otherId}>
          {t('boardAttention.otherReferrals')}{' '}
          <span className="attention-count" data-testid="open-referrals-count">
            {others.length}
          </span>
        </summary>
        {others.length === 0 ? (
          <p className="muted" data-testid="open-referrals-empty">
            {t('board.noOpenReferrals')}
          </p>
        ) : (
          <ul>
            {others.map((r) => (
              <li
                key={r.id}
                className="attention-item"
                data-testid="open-referral"
                data-referral-id={r.id}
                data-status={r.status}
                data-list="other"
              >
                <ReferralLink
                  reference={r.reference}
                  consultationId={r.consultationId}
                  consultationReference={r.consultationReference}
                  t={t}
                />
                <span>{partnerName(r.partner.name, locale)}</span>
                <StatusBadge status={r.status} />
                <UrgencyBadge urgency={r.urgency} />
                {r.consent.exception && <span className="badge badge-red">{t('board.refException')}</span>}
                <span className="muted">
                  {at(r.createdAt, locale)} · {r.createdBy.displayName}
                </span>
              </li>
            ))}
          </ul>
        )}
      </details>
    </section>
  );
}
