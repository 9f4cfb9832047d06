import {
  GIVABLE_OPERATOR_STATUSES,
  type OperatorStatus,
  type OperatorView,
  type QueueCall,
} from '@korgon/domain';
import { type FormEvent, type ReactNode, useId, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { describeError } from '../../lib/describe-error';
import { signedInGeneration } from '../../lib/signed-in-state';
import { queueApi } from './queue-api';
import { isOperatorRole, useOperators } from './queue-hooks';
import { checkQueue } from './queue-live';

/** Who can be given a waiting call: the server's rule, from the domain. */
const FREE = GIVABLE_OPERATOR_STATUSES;
/** Available first, then in wrap-up, then the rest; longest in her state first within each. */
const ORDER: Record<OperatorStatus, number> = { available: 0, wrap_up: 1, on_call: 2, break: 3, offline: 4 };
const byReadiness = (a: OperatorView, b: OperatorView) =>
  ORDER[a.status] - ORDER[b.status] || a.since.localeCompare(b.since);

/** The select and its button, shared by "Give to…" (a waiting call) and "Operator who answered" (unknown extension). */
function GiveForm({
  call,
  label,
  choose,
  submit,
  busy,
  failed,
  testId,
  options,
}: {
  call: QueueCall;
  label: string;
  choose: string;
  submit: string;
  busy: string;
  failed: string;
  testId: string;
  options: (operators: OperatorView[]) => ReactNode;
}) {
  const { t } = useTranslation();
  const operators = useOperators();
  const [operatorId, setOperatorId] = useState('');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const selectId = useId();

  async function give(e: FormEvent) {
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
    <form className="inline-form assign-call" onSubmit={(e) => void give(e)} data-testid={testId}>
      <div className="field">
        <label htmlFor={selectId}>{label}</label>
        <select id={selectId} value={operatorId} onChange={(e) => setOperatorId(e.target.value)}>
          <option value="">{choose}</option>
          {options(operators)}
        </select>
      </div>
      <button
        type="submit"
        className="button"
        aria-disabled={pending || !operatorId || undefined}
        disabled={!operatorId}
      >
        {pending ? busy : submit}
      </button>
      {error !== null && (
        <p className="inline-error" role="alert">
          {failed} {describeError(error, t)}
        </p>
      )}
    </form>
  );
}

/**
 * A call answered at an extension nobody holds: the supervisor says who answered it, and it becomes that
 * operator's call (her "Your call", with its consultation). The push brings the change to every console.
 */
export function AssignCall({ call }: { call: QueueCall }) {
  const { t } = useTranslation();
  return (
    <GiveForm
      call={call}
      label={t('board.assignLabel')}
      choose={t('board.assignChoose')}
      submit={t('board.assign')}
      busy={t('board.assigning')}
      failed={t('board.assignFailed')}
      testId="assign-call"
      options={(operators) => {
        const ops = operators.filter(isOperatorRole);
        const sups = operators.filter((o) => !isOperatorRole(o));
        return (
          <>
            <optgroup label={t('acting.operatorsGroup')}>
              {ops.map((op) => (
                <option key={op.id} value={op.id}>
                  {op.displayName}
                </option>
              ))}
            </optgroup>
            {sups.length > 0 && (
              <optgroup label={t('acting.supervisorsGroup')}>
                {sups.map((op) => (
                  <option key={op.id} value={op.id}>
                    {op.displayName}
                  </option>
                ))}
              </optgroup>
            )}
          </>
        );
      }}
    />
  );
}

/** "Give to…": a waiting call to a chosen operator, available ones first; she sees it on her desk at once. */
export function GiveCall({ call }: { call: QueueCall }) {
  const { t } = useTranslation();
  const option = (op: OperatorView) => (
    <option key={op.id} value={op.id} disabled={!FREE.includes(op.status)}>
      {t('acting.optionState', { name: op.displayName, state: t(`queue.status.${op.status}`) })}
    </option>
  );
  return (
    <GiveForm
      call={call}
      label={t('acting.giveLabel')}
      choose={t('acting.giveChoose')}
      submit={t('acting.give')}
      busy={t('acting.giving')}
      failed={t('acting.giveFailed')}
      testId="give-call"
      options={(operators) => (
        <GiveOptions operators={operators} option={option} operatorsLabel={t('acting.operatorsGroup')} />
      )}
    />
  );
}

function GiveOptions({
  operators,
  option,
  operatorsLabel,
}: {
  operators: OperatorView[];
  option: (op: OperatorView) => ReactNode;
  operatorsLabel: string;
}) {
  const { t } = useTranslation();
  const { ops, sups } = useMemo(
    () => ({
      ops: operators.filter(isOperatorRole).sort(byReadiness),
      sups: operators.filter((o) => !isOperatorRole(o) && FREE.includes(o.status)).sort(byReadiness),
    }),
    [operators],
  );
  return (
    <>
      <optgroup label={operatorsLabel}>{ops.map(option)}</optgroup>
      {sups.length > 0 && <optgroup label={t('acting.supervisorsGroup')}>{sups.map(option)}</optgroup>}
    </>
  );
}
