import { ApiError } from '../../lib/api';
import { signedInGeneration } from '../../lib/signed-in-state';
import { queueApi, type SettableStatus } from './queue-api';
import { checkQueue, resyncQueue } from './queue-live';
import { type ClaimAttempt, useQueueStore } from './queue-store';

/** What a failed claim means for the row that asked. */
export function claimFailure(error: unknown): ClaimAttempt {
  if (error instanceof ApiError && error.status === 409) return { status: 'conflict' };

  if (error instanceof ApiError && error.status === 404) return { status: 'gone' };
  return { status: 'failed', error };
}

/**
 * Takes a waiting call. The console makes the consultation draft's id; PostgreSQL decides who wins.
 * The store follows the pushed change; until it arrives the won call is kept aside.
 */
export async function takeCall(callId: string): Promise<void> {
  const { claims, setClaim } = useQueueStore.getState();
  if (claims[callId]?.status === 'pending') return;
  const generation = signedInGeneration();
  setClaim(callId, { status: 'pending' });
  try {
    const result = await queueApi.claim(callId, crypto.randomUUID());
    if (generation !== signedInGeneration()) return;
    setClaim(callId, { status: 'won', call: result.call });
    checkQueue();
  } catch (error) {
    if (generation !== signedInGeneration()) return;
    const attempt = claimFailure(error);
    setClaim(callId, attempt);
    // Our list said the call was free; the server says otherwise: read its state.
    if (attempt.status !== 'failed') resyncQueue();
  }
}

/** Sets the operator's own state; the answer and the push both carry it. Throws for the control to show. */
export async function setMyStatus(status: SettableStatus): Promise<void> {
  const generation = signedInGeneration();
  const view = await queueApi.setMyStatus(status);
  if (generation !== signedInGeneration()) return;
  useQueueStore.getState().offerOperator(view);
  checkQueue();
}
