import type { QueueCall } from '@korgon/domain';
import type { TFunction } from 'i18next';
import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { AssignCall, GiveCall } from './board-assign';
import { RepeatHint } from './call-row';
import { formatDuration, isWaitingForAnyone, useCallsOnLine, useServerNow, waitedMs } from './queue-hooks';
import { QueueNotice } from './queue-notice';
import { useQueueStore } from './queue-store';

function callStateText(call: QueueCall, t: TFunction): string {
  const name = call.takenBy?.displayName;
  if (call.unknownExtension && call.extension)
    return t('board.unknownExtension', { extension: call.extension });
  const state =
    name && call.assignedBy
      ? t('acting.givenTo', { name, by: call.assignedBy.displayName })
      : call.state === 'answered'
        ? name
          ? t('queue.answeredBy', { name })
          : t('queue.answered')
        : name
          ? t('queue.takenBy', { name })
          : t('queue.waiting');
  // The desk agrees: a finalized record is no longer anyone's "Your call".
  return call.consultationStatus === 'final' ? t('board.recorded', { state }) : state;
}

/**
 * The supervisor's view of the live queue: the same store, and the same pushes, as the desk. She gives a waiting
 * call to a chosen operator, or says who answered at an unknown extension; operators are on their own panel.
 */
export function BoardQueue() {
  const { t } = useTranslation();
  const loaded = useQueueStore((s) => s.loaded);
  const calls = useCallsOnLine();
  const serverNow = useServerNow();
  const callsId = useId();

  return (
    <section className="panel" aria-labelledby={callsId} data-testid="board-calls">
      <h2 id={callsId}>{t('board.callsTitle')}</h2>
      <QueueNotice />
      {loaded && calls.length === 0 && <p className="muted">{t('board.noCalls')}</p>}
      {calls.length > 0 && (
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard on narrow screens.
        <section className="table-scroll" aria-labelledby={callsId} tabIndex={0}>
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t('board.call')}</th>
                <th scope="col">{t('board.state')}</th>
                <th scope="col">{t('board.wait')}</th>
              </tr>
            </thead>
            <tbody>
              {calls.map((call) => {
                const waited = waitedMs(call, serverNow);
                return (
                  <tr key={call.id} data-testid="board-call" data-call-id={call.id}>
                    <th scope="row">
                      {t('queue.line', { line: call.line })}
                      <RepeatHint call={call} />
                    </th>
                    <td>
                      <span data-testid="board-call-state">{callStateText(call, t)}</span>
                      {call.unknownExtension && <AssignCall call={call} />}
                      {isWaitingForAnyone(call) && <GiveCall call={call} />}
                    </td>
                    <td className="timer">{waited === null ? '—' : formatDuration(waited)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </section>
      )}
    </section>
  );
}
