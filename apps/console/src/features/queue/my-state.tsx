import { OPERATOR_STATUSES, type OperatorStatus, SettableOperatorStatus } from '@korgon/domain';
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { describeError } from '../../lib/describe-error';
import { MyStateHelp } from './my-state-help';
import { setMyStatus } from './queue-actions';
import { useMyOperatorView } from './queue-hooks';

/**
 * The operator's own state. On call and wrap-up are shown but follow the calls, so they cannot be chosen; a
 * wrap-up can be held, and a short break offered after a critical call is asked about beside it.
 */
export function MyState({ meId }: { meId: string }) {
  const { t } = useTranslation();
  const view = useMyOperatorView(meId);
  const [pending, setPending] = useState<OperatorStatus | null>(null);
  const [error, setError] = useState<unknown>(null);
  const selectId = useId();
  const hintId = useId();

  async function choose(value: string) {
    const parsed = SettableOperatorStatus.safeParse(value);
    if (!parsed.success || pending || parsed.data === view?.status) return;
    setError(null);
    setPending(parsed.data);
    try {
      await setMyStatus(parsed.data);
    } catch (e) {
      setError(e);
    } finally {
      setPending(null);
    }
  }

  const shown = pending ?? view?.status ?? 'offline';

  return (
    <div className="my-state" data-testid="my-state" aria-busy={pending !== null || undefined}>
      <div className="field">
        <label htmlFor={selectId}>{t('queue.myState')}</label>
        <select
          id={selectId}
          className={`state-select state-select-${shown}`}
          value={shown}
          disabled={!view}
          aria-describedby={hintId}
          onChange={(e) => void choose(e.target.value)}
        >
          {OPERATOR_STATUSES.map((status) => (
            <option key={status} value={status} disabled={!SettableOperatorStatus.safeParse(status).success}>
              {t(`queue.status.${status}`)}
            </option>
          ))}
        </select>
        <p id={hintId} className="field-hint">
          {t('queue.stateHint')}
        </p>
      </div>
      {error !== null && (
        <p className="inline-error" role="alert">
          {t('queue.stateFailed')} {describeError(error, t)}
        </p>
      )}
      <MyStateHelp view={view} />
    </div>
  );
}
