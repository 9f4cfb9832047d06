import type { QueueCall } from '@korgon/domain';
import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { CallRow } from './call-row';
import { isWaitingForAnyone, useServerNow } from './queue-hooks';
import { QueueNotice } from './queue-notice';
import { useQueueStore } from './queue-store';

/** The desk's live list of waiting calls, longest wait first; the count is announced politely. */
export function WaitingCalls({ calls }: { calls: readonly QueueCall[] }) {
  const { t } = useTranslation();
  const headingId = useId();
  const loaded = useQueueStore((s) => s.loaded);
  const serverNow = useServerNow();
  const free = calls.filter(isWaitingForAnyone).length;

  return (
    <section className="panel queue-panel" aria-labelledby={headingId} data-testid="waiting-calls">
      <h2 id={headingId}>{t('queue.waitingTitle')}</h2>
      <p className="queue-count" aria-live="polite" aria-atomic="true" data-testid="waiting-count">
        {loaded && (free > 0 ? t('queue.waitingCount', { count: free }) : t('queue.noneWaiting'))}
      </p>
      <QueueNotice />
      {calls.length > 0 && (
        <ul className="call-list" aria-labelledby={headingId}>
          {calls.map((call) => (
            <CallRow key={call.id} call={call} serverNow={serverNow} />
          ))}
        </ul>
      )}
    </section>
  );
}
