import type { SignInThrottle } from '@korgon/domain';
import type { TFunction } from 'i18next';
import { ApiError } from '../../lib/api';
import { describeError } from '../../lib/describe-error';

const THROTTLE_KEYS = {
  account_address: 'auth.lockedHere',
  device: 'auth.lockedDevice',
  address: 'auth.lockedAddress',
  account: 'auth.slowedAccount',
} as const satisfies Record<SignInThrottle, string>;

/** What a failed sign-in says: the known codes in the chosen language, anything else as the server put it. */
export function loginErrorMessage(error: unknown, t: TFunction): string {
  if (error instanceof ApiError) {
    if (error.code === 'invalid_credentials') return t('auth.invalidCredentials');
    if (error.code === 'too_many_requests') {
      const seconds = error.body.retryAfterSeconds;
      const throttle = error.body.throttle;
      // Which limit, and for how long: the person learns whether another device or waiting will help.
      if (throttle && seconds !== undefined)
        return t(THROTTLE_KEYS[throttle], { count: Math.ceil(seconds / 60) });
      return seconds === undefined
        ? t('auth.tooManyAttemptsLater')
        : t('auth.tooManyAttempts', { count: seconds });
    }
  }
  return describeError(error, t);
}
