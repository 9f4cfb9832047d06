import type { QueueCall } from '@korgon/domain';
import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { describeError } from '../../lib/describe-error';
import { takeCall } from './queue-actions';
import { formatDuration, waitedMs } from './queue-hooks';
import { useQueueStore } from './queue-store';

/** The repeat-caller hint: how often this (hashed) number reached the line in the last 90 days. */
export function RepeatHint({ call, id }: { call: QueueCall; id?: string }) {
  const { t } = useTranslation();
  if (call.repeatContacts <= 0) return null;
  return (
    <p id={id} className="repeat-hint" data-testid="repeat-hint">
      {t('queue.repeat', { count: call.repeatContacts })}
    </p>
  );
}

/** One waiting call on the desk: its line, how long the caller has waited, and Take call while it is free. */
export function CallRow({ call, serverNow }: { call: QueueCall; serverNow: number }) {
  const { t } = useTranslation();
  const attempt = useQueueStore((s) => s.claims[call.id]);
  const lineId = useId();
  const waitId = useId();
  const repeatId = useId();

  const conflict = attempt?.status === 'conflict';
  const taken = call.takenBy !== null || conflict;
  const free = !taken && call.state === 'waiting' && attempt?.status !== 'gone';
  const pending = attempt?.status === 'pending';
  const waited = waitedMs(call, serverNow);
  const describedBy = [lineId, waitId, call.repeatContacts > 0 ? repeatId : null].filter(Boolean).join(' ');

  return (
    <li
      className={taken ? 'call-row call-row-taken' : 'call-row'}
      data-testid="queue-call"
      data-call-id={call.id}
      aria-labelledby={lineId}
    >
      <div className="call-facts">
        <p className="call-line" id={lineId}>
          {t('queue.line', { line: call.line })}
        </p>
        <p className="call-wait" id={waitId}>
          <span className="call-wait-label">{taken ? t('queue.waited') : t('queue.waiting')}</span>{' '}
          <span className="timer" data-testid="wait-timer">
            {waited === null ? '—' : formatDuration(waited)}
          </span>
        </p>
        <RepeatHint call={call} id={repeatId} />
      </div>
      <div className="call-action">
        {call.takenBy && (
          <p className="call-taken" data-testid="taken-by">
            {t('queue.takenBy', { name: call.takenBy.displayName })}
          </p>
        )}
        {conflict && (
          <p className="inline-error" role="alert">
            {t('queue.takenElsewhere')}
          </p>
        )}
        {attempt?.status === 'gone' && (
          <p className="inline-error" role="alert">
            {t('queue.gone')}
          </p>
        )}
        {attempt?.status === 'failed' && (
          <p className="inline-error" role="alert">
            {t('queue.takeFailed')} {describeError(attempt.error, t)}
          </p>
        )}
        {free && (
          <button
            type="button"
            className="button button-primary"
            aria-describedby={describedBy}
            aria-disabled={pending || undefined}
            onClick={() => {
              if (!pending) void takeCall(call.id);
            }}
          >
            {pending ? t('queue.taking') : t('queue.take')}
          </button>
        )}
      </div>
    </li>
  );
}
