import { useId, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { AreaPage } from '../../components/area-page';
import { useCurrentLocale } from '../../i18n/language';
import { describeError } from '../../lib/describe-error';
import { formatDateTime } from '../../lib/format';
import { InboxCard } from './inbox-card';
import { type InboxNews, inboxSeq, isUnacknowledged, useInbox } from './inbox-query';

/**
 * The partner portal: the organisation's referrals, newest first, urgent ones marked, each with what the caller
 * agreed to share and the steps its state allows. New referrals and changes arrive live and are announced:
 * an urgent new one assertively, anything else politely.
 */
export function InboxPage() {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const { items, status, error, news, load } = useInbox();
  const headingId = useId();
  // Only what arrives while the inbox is on screen is announced.
  const since = useRef(inboxSeq());

  const waiting = items.filter(isUnacknowledged).length;
  const fresh = news && news.seq > since.current ? news : null;
  const say = (n: InboxNews) => {
    const time = formatDateTime(n.createdAt, locale);
    if (n.kind === 'new')
      return n.urgency === 'urgent' ? t('inbox.announceUrgent', { time }) : t('inbox.announceNew', { time });
    return t('inbox.announceChanged', { time, status: t(`inbox.status.${n.status}`) });
  };
  const assertive = fresh && fresh.kind === 'new' && fresh.urgency === 'urgent' ? say(fresh) : '';
  const polite = fresh && !assertive ? say(fresh) : '';

  return (
    <AreaPage title={t('areas.inbox')} intro={t('inbox.intro')}>
      <div className="sr-only" aria-live="assertive" aria-atomic="true" data-testid="inbox-live-assertive">
        {assertive}
      </div>
      <div className="sr-only" aria-live="polite" aria-atomic="true" data-testid="inbox-live-polite">
        {polite}
      </div>
      <section className="inbox" aria-labelledby={headingId} data-testid="inbox">
        <h2 id={headingId}>{t('inbox.listTitle')}</h2>
        {status === 'ready' && (
          <p className="muted" data-testid="inbox-summary">
            {items.length === 0
              ? t('inbox.empty')
              : waiting > 0
                ? t('inbox.waiting', { n: waiting })
                : t('inbox.allAcknowledged')}
          </p>
        )}
        {status === 'loading' && <p role="status">{t('inbox.loading')}</p>}
        {status === 'error' && (
          <div className="alert alert-error" role="alert">
            <p>
              {t('inbox.loadFailed')} {describeError(error, t)}
            </p>
            <button type="button" className="button button-small" onClick={() => void load()}>
              {t('errors.retry')}
            </button>
          </div>
        )}
        {items.length > 0 && (
          <ol className="inbox-list" data-testid="inbox-list">
            {items.map((r) => (
              <InboxCard key={r.id} r={r} />
            ))}
          </ol>
        )}
      </section>
    </AreaPage>
  );
}
