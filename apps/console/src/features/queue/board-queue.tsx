import { OPERATOR_STATUSES, type OperatorView, type QueueCall } from '@korgon/domain';
import type { TFunction } from 'i18next';
import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { useCurrentLocale } from '../../i18n/language';
import { formatDateTime } from '../../lib/format';
import { AssignCall } from './board-assign';
import { BoardOutcomes } from './board-outcomes';
import { RepeatHint } from './call-row';
import {
  formatDuration,
  queueFigures,
  useCallsOnLine,
  useOperators,
  useServerNow,
  waitedMs,
} from './queue-hooks';
import { QueueNotice } from './queue-notice';
import { useQueueStore } from './queue-store';

/** An operator who never had a state is reported "offline since" the epoch: there is no "since" to show. */
const NEVER = Date.parse('1970-01-02T00:00:00Z');

function callStateText(call: QueueCall, t: TFunction): string {
  const name = call.takenBy?.displayName;
  if (call.unknownExtension && call.extension)
    return t('board.unknownExtension', { extension: call.extension });
  const state =
    call.state === 'answered'
      ? name
        ? t('queue.answeredBy', { name })
        : t('queue.answered')
      : name
        ? t('queue.takenBy', { name })
        : t('queue.waiting');
  // The desk agrees: a finalized record is no longer anyone's "Your call".
  return call.consultationStatus === 'final' ? t('board.recorded', { state }) : state;
}

function Figure({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <div className="figure">
      <dt>{label}</dt>
      <dd data-testid={testId}>{value}</dd>
    </div>
  );
}

/** The supervisor's read-only view of the live queue: the same store, and the same pushes, as the desk. */
export function BoardQueue() {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const loaded = useQueueStore((s) => s.loaded);
  const calls = useCallsOnLine();
  const operators = useOperators();
  const serverNow = useServerNow();
  const figures = queueFigures(calls, operators, serverNow);
  const liveId = useId();
  const callsId = useId();
  const operatorsId = useId();
  const shown = (n: number) => (loaded ? String(n) : '—');

  return (
    <>
      <section className="panel" aria-labelledby={liveId} data-testid="board-live">
        <h2 id={liveId}>{t('board.liveTitle')}</h2>
        <QueueNotice />
        <dl className="figures">
          <Figure label={t('board.waitingNow')} value={shown(figures.waiting)} testId="figure-waiting" />
          <Figure
            label={t('board.longestWait')}
            value={figures.longestWaitMs === null ? '—' : formatDuration(figures.longestWaitMs)}
            testId="figure-longest-wait"
          />
          <Figure
            label={t('board.inProgress')}
            value={shown(figures.inProgress)}
            testId="figure-in-progress"
          />
        </dl>
        <h3>{t('board.byStateTitle')}</h3>
        <dl className="figures figures-small">
          {OPERATOR_STATUSES.map((status) => (
            <Figure
              key={status}
              label={t(`queue.status.${status}`)}
              value={shown(figures.byStatus[status])}
              testId={`figure-state-${status}`}
            />
          ))}
        </dl>
        <BoardOutcomes />
      </section>

      <section className="panel" aria-labelledby={callsId} data-testid="board-calls">
        <h2 id={callsId}>{t('board.callsTitle')}</h2>
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

      <section className="panel" aria-labelledby={operatorsId} data-testid="board-operators">
        <h2 id={operatorsId}>{t('board.operatorsTitle')}</h2>
        {loaded && operators.length === 0 && <p className="muted">{t('board.noOperators')}</p>}
        {operators.length > 0 && (
          // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard on narrow screens.
          <section className="table-scroll" aria-labelledby={operatorsId} tabIndex={0}>
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">{t('board.name')}</th>
                  <th scope="col">{t('board.role')}</th>
                  <th scope="col">{t('board.state')}</th>
                  <th scope="col">{t('board.since')}</th>
                  <th scope="col">{t('board.for')}</th>
                </tr>
              </thead>
              <tbody>
                {operators.map((op: OperatorView) => {
                  const since = Date.parse(op.since);
                  const known = since > NEVER;
                  return (
                    <tr key={op.id} data-testid="operator-row" data-operator-id={op.id}>
                      <th scope="row">{op.displayName}</th>
                      <td>{t(`roles.${op.role === 'supervisor' ? 'supervisor' : 'operator'}`)}</td>
                      <td>
                        <span className={`state state-${op.status}`} data-testid="operator-state">
                          {t(`queue.status.${op.status}`)}
                        </span>
                      </td>
                      <td>{known ? formatDateTime(op.since, locale) : '—'}</td>
                      <td className="timer">{known ? formatDuration(serverNow - since) : '—'}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </section>
        )}
      </section>
    </>
  );
}
