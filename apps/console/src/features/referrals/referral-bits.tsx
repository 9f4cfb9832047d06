import {
  type Locale,
  type LocalizedText,
  PARTNER_TYPE_LABELS,
  type PartnerType,
  type Referral,
  type ReferralStatus,
  type ReferralUrgency,
} from '@korgon/domain';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { useCurrentLocale } from '../../i18n/language';
import { formatDateTime } from '../../lib/format';

export const partnerName = (name: LocalizedText, locale: Locale) => name[locale] || name.en;
export const partnerTypeName = (type: PartnerType, locale: Locale) =>
  PARTNER_TYPE_LABELS[type]?.[locale] ?? type;

/** A referral's state as a word and a colour (the word carries it; colour only adds). */
export function StatusBadge({ status, testId }: { status: ReferralStatus; testId?: string }) {
  const { t } = useTranslation();
  return (
    <span className={`referral-status status-${status}`} data-testid={testId} data-status={status}>
      {t(`referrals.status.${status}`)}
    </span>
  );
}

export function UrgencyBadge({ urgency }: { urgency: ReferralUrgency }) {
  const { t } = useTranslation();
  return urgency === 'urgent' ? (
    <span className="urgency-badge" data-testid="urgent-badge">
      {t('referrals.urgency.urgent')}
    </span>
  ) : (
    <span className="urgency-standard">{t('referrals.urgency.standard')}</span>
  );
}

/** Who made a change: a person's name, or the system part that did. */
export function actorText(by: string | null, t: TFunction): string {
  switch (by) {
    case null:
      return '';
    case 'worker':
      return t('referrals.actor.worker');
    case 'partner-webhook':
      return t('referrals.actor.webhook');
    case 'email-link':
      return t('referrals.actor.emailLink');
    default:
      return by;
  }
}

/** Notes the server writes in English are said in the reader's language; people's own words stay as written. */
export function noteText(note: string | null, t: TFunction): string {
  switch (note) {
    case null:
      return '';
    case 'redirected':
      return t('referrals.note.redirected');
    case 'not acknowledged in time':
      return t('referrals.note.notAcknowledged');
    default:
      return note;
  }
}

export function consentText(r: Referral, t: TFunction): string {
  if (r.consent.exception === 'child_at_risk' || r.consent.exception === 'imminent_danger')
    return t('referrals.consentShown.exception', {
      kind: t(`referrals.exception.${r.consent.exception}`),
      reason: r.consent.reason ?? '',
    });
  return t('referrals.consentShown.caller');
}

/** Every change of state, oldest first, with its time and who made it. */
export function Timeline({ events }: { events: Referral['events'] }) {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  return (
    <ol className="timeline" data-testid="referral-timeline">
      {events.map((e, i) => {
        const who = actorText(e.by, t);
        const note = noteText(e.note, t);
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: events only ever grow at the end
          <li key={i} data-testid="timeline-event" data-status={e.status}>
            <span className="timeline-status">{t(`referrals.status.${e.status}`)}</span>{' '}
            <time dateTime={e.at}>{formatDateTime(e.at, locale)}</time>
            {who && <span className="muted"> · {who}</span>}
            {note && <span className="timeline-note"> · {note}</span>}
          </li>
        );
      })}
    </ol>
  );
}
