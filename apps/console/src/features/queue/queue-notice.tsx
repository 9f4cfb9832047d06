import { useTranslation } from 'react-i18next';
import { describeError } from '../../lib/describe-error';
import { useQueueStore } from './queue-store';

/** Says when the list on screen may not be the server's: still loading, failing to load, or reconnecting. */
export function QueueNotice() {
  const { t } = useTranslation();
  const loaded = useQueueStore((s) => s.loaded);
  const connection = useQueueStore((s) => s.connection);
  const loadError = useQueueStore((s) => s.loadError);

  return (
    <div role="status" className="feedback" data-testid="queue-notice">
      {connection === 'reconnecting' && <p className="alert alert-warning">{t('queue.reconnecting')}</p>}
      {connection !== 'reconnecting' && loadError !== null && (
        <p className="alert alert-error">
          {t('queue.loadFailed')} {describeError(loadError, t)}
        </p>
      )}
      {!loaded && connection !== 'reconnecting' && loadError === null && (
        <p className="muted">{t('queue.loading')}</p>
      )}
    </div>
  );
}
