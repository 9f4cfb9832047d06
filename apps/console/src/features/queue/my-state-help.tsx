import type { OperatorView } from '@korgon/domain';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { describeError } from '../../lib/describe-error';
import { signedInGeneration } from '../../lib/signed-in-state';
import { setMyStatus } from './queue-actions';
import { queueApi } from './queue-api';
import { formatDuration, useServerNow } from './queue-hooks';
import { checkQueue } from './queue-live';
import { useQueueStore } from './queue-store';

/** One request at a time, its error shown beside the buttons; the push (or a check) brings the new state. */
function useAction() {
  const [pending, setPending] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  async function run(key: string, work: () => Promise<unknown>) {
    if (pending) return;
    const generation = signedInGeneration();
    setPending(key);
    setError(null);
    try {
      await work();
      if (generation === signedInGeneration()) checkQueue();
    } catch (e) {
      setError(e);
    } finally {
      setPending(null);
    }
  }
  return { pending, error, run };
}

/** "I need more time": a wrap-up that would end by itself can be held; a held one ends when she chooses. */
function WrapUp({ view, serverNow }: { view: OperatorView; serverNow: number }) {
  const { t } = useTranslation();
  const { pending, error, run } = useAction();
  return (
    <div className="my-state-help" data-testid="wrap-up-help">
      {view.wrapUpEndsAt ? (
        <>
          <p>
            {t('acting.myWrapUpEndsIn')}{' '}
            <span className="timer">{formatDuration(Date.parse(view.wrapUpEndsAt) - serverNow)}</span>
          </p>
          <button
            type="button"
            className="button button-small"
            aria-disabled={pending !== null || undefined}
            onClick={() => void run('hold', queueApi.holdWrapUp)}
          >
            {pending ? t('acting.holding') : t('acting.holdWrapUp')}
          </button>
        </>
      ) : (
        <>
          <p data-testid="wrap-up-held-mine">{t('acting.myWrapUpHeld')}</p>
          <button
            type="button"
            className="button button-small button-primary"
            aria-disabled={pending !== null || undefined}
            onClick={() => void run('available', () => setMyStatus('available'))}
          >
            {t('acting.backAvailable')}
          </button>
        </>
      )}
      {error !== null && (
        <p className="inline-error" role="alert">
          {t('acting.holdFailed')} {describeError(error, t)}
        </p>
      )}
    </div>
  );
}

/** The kind offer after a critical call: nothing is blocked, she may decline, and it stays until she answers. */
function BreakOffer() {
  const { t } = useTranslation();
  const minutes = useQueueStore((s) => s.breakOfferMinutes);
  const { pending, error, run } = useAction();
  return (
    <div className="my-state-help acting-offer" data-testid="break-offer">
      <p className="acting-offer-title">{t('acting.offerTitle')}</p>
      <p>{t('acting.offerText')}</p>
      <div className="form-actions">
        <button
          type="button"
          className="button button-primary"
          aria-disabled={pending !== null || undefined}
          onClick={() => void run('take', () => setMyStatus('break'))}
        >
          {t('acting.takeBreak', { minutes })}
        </button>
        <button
          type="button"
          className="button"
          aria-disabled={pending !== null || undefined}
          onClick={() => void run('decline', queueApi.declineBreak)}
        >
          {t('acting.notNow')}
        </button>
      </div>
      {error !== null && (
        <p className="inline-error" role="alert">
          {t('acting.offerFailed')} {describeError(error, t)}
        </p>
      )}
    </div>
  );
}

/** The offered break she took: its time left, then a gentle word that it is over (her state stays break). */
function ShortBreak({ endsAt, serverNow }: { endsAt: string; serverNow: number }) {
  const { t } = useTranslation();
  const { pending, error, run } = useAction();
  const left = Date.parse(endsAt) - serverNow;
  if (left > 0)
    return (
      <div className="my-state-help" data-testid="short-break">
        <p>
          {t('acting.breakLeft')} <span className="timer">{formatDuration(left)}</span>
        </p>
      </div>
    );
  return (
    <div className="my-state-help acting-offer" data-testid="break-over">
      <p className="acting-offer-title">{t('acting.breakOverTitle')}</p>
      <p>{t('acting.breakOverText')}</p>
      <button
        type="button"
        className="button button-primary"
        aria-disabled={pending !== null || undefined}
        onClick={() => void run('available', () => setMyStatus('available'))}
      >
        {t('acting.backAvailable')}
      </button>
      {error !== null && (
        <p className="inline-error" role="alert">
          {t('queue.stateFailed')} {describeError(error, t)}
        </p>
      )}
    </div>
  );
}

/**
 * Beside her state on the desk: a wrap-up she can hold, the short break offered after a critical call, and that
 * break's end. Announced politely: it is an offer, never an interruption.
 */
export function MyStateHelp({ view }: { view: OperatorView | undefined }) {
  const serverNow = useServerNow();
  // The time left on the break ticks every second; only whether it is over is announced.
  const over = view?.breakEndsAt ? serverNow >= Date.parse(view.breakEndsAt) : false;
  return (
    <>
      <div className="my-state-live" aria-live="polite">
        {view?.breakOfferedAt && view.status !== 'break' && <BreakOffer />}
        {view?.status === 'break' && view.breakEndsAt && over && (
          <ShortBreak endsAt={view.breakEndsAt} serverNow={serverNow} />
        )}
      </div>
      {view?.status === 'break' && view.breakEndsAt && !over && (
        <ShortBreak endsAt={view.breakEndsAt} serverNow={serverNow} />
      )}
      {view?.status === 'wrap_up' && <WrapUp view={view} serverNow={serverNow} />}
    </>
  );
}
