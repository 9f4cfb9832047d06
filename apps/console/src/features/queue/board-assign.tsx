import type { QueueCall } from '@korgon/domain';
import { type FormEvent, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { describeError } from '../../lib/describe-error';
import { signedInGeneration } from '../../lib/signed-in-state';
import { queueApi } from './queue-api';
import { useOperators } from './queue-hooks';
import { checkQueue } from './queue-live';

/**
 * A call answered at an extension nobody holds: the supervisor says who answered it, and it becomes that
 * operator's call (her "Your call", with its consultation). The push brings the change to every console.
 */
export function AssignCall({ call }: { call: QueueCall }) {
  const { t } = useTranslation();
  const operators = useOperators();
  const [operatorId, setOperatorId] = useState('');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const selectId = useId();

  async function assign(e: FormEvent) {
    e.preventDefault();
    if (pending || !operatorId) return;
    const generation = signedInGeneration();
    setPending(true);
    setError(null);
    try {
      await queueApi.assign(call.id, operatorId);
      if (generation === signedInGeneration()) checkQueue();
    } catch (err) {
      setError(err);
    } finally {
      setPending(false);
    }
  }

  return (
    <form className="inline-form assign-call" onSubmit={(e) => void assign(e)} data-testid="assign-call">
      <div className="field">
        <label htmlFor={selectId}>{t('board.assignLabel')}</label>
        <select id={selectId} value={operatorId} onChange={(e) => setOperatorId(e.target.value)}>
          <option value="">{t('board.assignChoose')}</option>
          {operators.map((op) => (
            <option key={op.id} value={op.id}>
              {op.displayName}
            </option>
          ))}
        </select>
      </div>
      <button
        type="submit"
        className="button"
        aria-disabled={pending || !operatorId || undefined}
        disabled={!operatorId}
      >
        {pending ? t('board.assigning') : t('board.assign')}
      </button>
      {error !== null && (
        <p className="inline-error" role="alert">
          {t('board.assignFailed')} {describeError(error, t)}
        </p>
      )}
    </form>
  );
}
