import { OPERATOR_STATUSES, type OperatorStatus, type OperatorView } from '@korgon/domain';
import { useId, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ConfirmDialog } from '../../components/confirm-dialog';
import type { SettableStatus } from '../../features/queue/queue-api';
import { queueApi } from '../../features/queue/queue-api';
import { formatDuration, isOperatorRole, useOperators, useServerNow } from '../../features/queue/queue-hooks';
import { checkQueue } from '../../features/queue/queue-live';
import { useQueueStore } from '../../features/queue/queue-store';
import { useCurrentLocale } from '../../i18n/language';
import { describeError } from '../../lib/describe-error';
import { formatDateTime } from '../../lib/format';
import { signedInGeneration } from '../../lib/signed-in-state';

/** An operator who never had a state is reported "offline since" the epoch: there is no "since" to show. */
const NEVER = Date.parse('1970-01-02T00:00:00Z');
const TARGETS: readonly SettableStatus[] = ['available', 'break', 'offline'];

/** How long she has been in her state, ticking in server time; '—' when there is no "since". */
function inState(op: OperatorView, serverNow: number): string {
  const since = Date.parse(op.since);
  return since > NEVER ? formatDuration(serverNow - since) : '—';
}

/**
 * On a call that is still on the line and not recorded, her state follows the call: the supervisor has nothing
 * to set (the server would refuse with 409). Once its record is final she may be freed.
 */
function useFollowsCall(op: OperatorView): boolean {
  const call = useQueueStore((s) => (op.callId ? s.calls[op.callId] : undefined));
  return op.status === 'on_call' && call?.consultationStatus !== 'final';
}

/** What the board says beside her state: a break offered, a held wrap-up, a short break and its end. */
function Notes({ op, serverNow }: { op: OperatorView; serverNow: number }) {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const notes: { key: string; text: string; tone: string; testId: string }[] = [];
  if (op.breakOfferedAt)
    notes.push({
      key: 'offer',
      text: t('acting.breakOffered', { time: formatDuration(serverNow - Date.parse(op.breakOfferedAt)) }),
      tone: 'badge acting-badge-offer',
      testId: 'break-offered',
    });
  if (op.status === 'wrap_up')
    notes.push(
      op.wrapUpEndsAt
        ? {
            key: 'wrap',
            text: t('acting.wrapUpEndsIn', { time: formatDuration(Date.parse(op.wrapUpEndsAt) - serverNow) }),
            tone: 'muted',
            testId: 'wrap-up-ends',
          }
        : {
            key: 'wrap',
            text: t('acting.wrapUpHeld'),
            tone: 'badge acting-badge-held',
            testId: 'wrap-up-held',
          },
    );
  if (op.status === 'break' && op.breakEndsAt) {
    const over = serverNow >= Date.parse(op.breakEndsAt);
    notes.push({
      key: 'break',
      text: over
        ? t('acting.breakOver')
        : t('acting.breakUntil', { time: formatDateTime(op.breakEndsAt, locale) }),
      tone: over ? 'badge acting-badge-over' : 'muted',
      testId: over ? 'break-over' : 'break-until',
    });
  }
  if (notes.length === 0) return null;
  return (
    <ul className="acting-notes">
      {notes.map((n) => (
        <li key={n.key} className={n.tone} data-testid={n.testId}>
          {n.text}
        </li>
      ))}
    </ul>
  );
}

/** The supervisor's state buttons for one operator, with a confirmation where the change matters to her. */
function RowActions({ op }: { op: OperatorView }) {
  const { t } = useTranslation();
  const minutes = useQueueStore((s) => s.breakOfferMinutes);
  const followsCall = useFollowsCall(op);
  const [asking, setAsking] = useState<SettableStatus | null>(null);
  const [pending, setPending] = useState<SettableStatus | null>(null);
  const [error, setError] = useState<unknown>(null);

  if (followsCall)
    return (
      <p className="muted acting-follows" data-testid="follows-call">
        {t('acting.followsCall')}
      </p>
    );

  const label = (s: SettableStatus) =>
    s === 'break' && op.breakOfferedAt ? t('acting.grantBreak', { minutes }) : t(`queue.status.${s}`);
  /** Setting someone offline, ending her wrap-up, or freeing her from a recorded call: asked first. */
  const why = (s: SettableStatus): string | null =>
    s === 'offline'
      ? t('acting.confirmOffline')
      : op.status === 'wrap_up'
        ? t('acting.confirmWrapUp')
        : op.status === 'on_call'
          ? t('acting.confirmOnCall')
          : null;

  async function set(status: SettableStatus) {
    setAsking(null);
    if (pending) return;
    const generation = signedInGeneration();
    setPending(status);
    setError(null);
    try {
      await queueApi.setStatusOf(op.id, status);
      if (generation === signedInGeneration()) checkQueue();
    } catch (e) {
      setError(e);
    } finally {
      setPending(null);
    }
  }

  return (
    <div className="acting-actions" aria-busy={pending !== null || undefined}>
      {TARGETS.filter((s) => s !== op.status).map((s) => (
        <button
          key={s}
          type="button"
          className={
            s === 'break' && op.breakOfferedAt ? 'button button-small button-primary' : 'button button-small'
          }
          aria-label={t('acting.actionFor', { action: label(s), name: op.displayName })}
          aria-disabled={pending !== null || undefined}
          data-testid={`set-${s}`}
          onClick={() => {
            if (pending) return;
            if (why(s)) setAsking(s);
            else void set(s);
          }}
        >
          {pending === s ? t('acting.setting') : label(s)}
        </button>
      ))}
      {error !== null && (
        <p className="inline-error" role="alert">
          {t('acting.setFailed')} {describeError(error, t)}
        </p>
      )}
      <ConfirmDialog
        open={asking !== null}
        title={t('acting.confirmTitle', {
          name: op.displayName,
          state: asking ? t(`queue.status.${asking}`) : '',
        })}
        confirmLabel={t('acting.confirm')}
        cancelLabel={t('acting.cancel')}
        onConfirm={() => asking && void set(asking)}
        onCancel={() => setAsking(null)}
        testId="confirm-operator-state"
      >
        <p>{asking ? why(asking) : ''}</p>
      </ConfirmDialog>
    </div>
  );
}

/**
 * Operators (role operator) by state, with time in state ticking in server time and what the supervisor can do
 * for each one; supervisors on shift are listed apart: they take calls too, but they are not operators.
 */
export function OperatorsPanel() {
  const { t } = useTranslation();
  const loaded = useQueueStore((s) => s.loaded);
  const everyone = useOperators();
  const serverNow = useServerNow();
  const headingId = useId();
  const supervisorsId = useId();

  const { byStatus, supervisors, offers } = useMemo(() => {
    const byStatus = new Map<OperatorStatus, OperatorView[]>(OPERATOR_STATUSES.map((s) => [s, []]));
    const supervisors: OperatorView[] = [];
    for (const op of everyone) {
      if (isOperatorRole(op)) byStatus.get(op.status)?.push(op);
      else if (op.status !== 'offline') supervisors.push(op);
    }
    // Longest in her state first: who has waited, worked or rested longest is seen first.
    for (const list of byStatus.values()) list.sort((a, b) => a.since.localeCompare(b.since));
    const offers = everyone
      .filter((op) => isOperatorRole(op) && op.breakOfferedAt)
      .map((op) => op.displayName);
    return { byStatus, supervisors, offers };
  }, [everyone]);
  const operatorCount = [...byStatus.values()].reduce((n, l) => n + l.length, 0);

  return (
    <section className="panel operators-panel" aria-labelledby={headingId} data-testid="board-operators">
      <h2 id={headingId}>{t('board.operatorsTitle')}</h2>
      <p className="sr-only" aria-live="polite" aria-atomic="true" data-testid="break-offers-live">
        {offers.length > 0 ? t('acting.offersLive', { count: offers.length, names: offers.join(', ') }) : ''}
      </p>
      {loaded && operatorCount === 0 && <p className="muted">{t('board.noOperators')}</p>}
      {operatorCount > 0 && (
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard on narrow screens.
        <section className="table-scroll" aria-labelledby={headingId} tabIndex={0}>
          <table className="table operators-table">
            <thead>
              <tr>
                <th scope="col">{t('board.name')}</th>
                <th scope="col">{t('board.state')}</th>
                <th scope="col">{t('board.for')}</th>
                <th scope="col">{t('acting.notes')}</th>
                <th scope="col">{t('acting.actions')}</th>
              </tr>
            </thead>
            {OPERATOR_STATUSES.map((status) => {
              const list = byStatus.get(status) ?? [];
              if (list.length === 0) return null;
              return (
                <tbody key={status} data-testid={`operators-${status}`}>
                  <tr className="acting-group">
                    <th scope="rowgroup" colSpan={5}>
                      {t('acting.group', { state: t(`queue.status.${status}`), count: list.length })}
                    </th>
                  </tr>
                  {list.map((op) => (
                    <tr key={op.id} data-testid="operator-row" data-operator-id={op.id}>
                      <th scope="row">{op.displayName}</th>
                      <td>
                        <span className={`state state-${op.status}`} data-testid="operator-state">
                          {t(`queue.status.${op.status}`)}
                        </span>
                      </td>
                      <td className="timer" data-testid="operator-for">
                        {inState(op, serverNow)}
                      </td>
                      <td>
                        <Notes op={op} serverNow={serverNow} />
                      </td>
                      <td>
                        <RowActions op={op} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              );
            })}
          </table>
        </section>
      )}

      <h3 id={supervisorsId}>{t('acting.supervisorsTitle')}</h3>
      {supervisors.length === 0 ? (
        <p className="muted">{t('acting.noSupervisors')}</p>
      ) : (
        <ul className="acting-supervisors" aria-labelledby={supervisorsId} data-testid="supervisors-on-shift">
          {supervisors.map((s) => (
            <li key={s.id} data-testid="supervisor-row" data-operator-id={s.id}>
              <span className="acting-supervisor-name">{s.displayName}</span>{' '}
              <span className={`state state-${s.status}`}>{t(`queue.status.${s.status}`)}</span>{' '}
              <span className="timer">{inState(s, serverNow)}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
