import type { TFunction } from 'i18next';
import { ApiError } from '../../lib/api';
import { describeError } from '../../lib/describe-error';

/** What a failed sign-in says: the known codes in the chosen language, anything else as the server put it. */
export function loginErrorMessage(error: unknown, t: TFunction): string {
  if (error instanceof ApiError) {
    if (error.code === 'invalid_credentials') return t('auth.invalidCredentials');
    if (error.code === 'too_many_requests') {
      const seconds = error.body.retryAfterSeconds;
      return seconds === undefined
        ? t('auth.tooManyAttemptsLater')
        : t('auth.tooManyAttempts', { count: seconds });
    }
  }
  return describeError(error, t);
}
