import type { TFunction } from 'i18next';
import { ApiError } from './api';

/** A failed call as one sentence in the current language; unknown codes fall back to the server's own message. */
export function describeError(error: unknown, t: TFunction): string {
  if (!(error instanceof ApiError)) return t('errors.internal');
  const { body } = error;
  switch (body.code) {
    case 'network':
      return t('errors.network');
    case 'bad_response':
      return t('errors.badResponse');
    case 'unauthenticated':
      return t('auth.sessionEnded');
    case 'invalid_request':
      return t('errors.invalidRequest');
    case 'forbidden':
      return t('errors.forbidden');
    case 'password_change_required':
      return t('errors.passwordChangeRequired');
    case 'not_found':
      return t('errors.notFound');
    case 'conflict':
      return t('errors.conflict');
    case 'unavailable':
      return t('errors.unavailable');
    case 'internal':
      return t('errors.internal');
    case 'too_many_requests':
      return t('errors.tooManyRequests', { count: body.retryAfterSeconds ?? 60 });
    default:
      return body.message || t('errors.internal');
  }
}

/** Server-side field issues keyed by the field name (the last part of the issue's path). */
export function serverFieldIssues(error: unknown): Record<string, string> {
  const fields: Record<string, string> = {};
  if (!(error instanceof ApiError)) return fields;
  for (const issue of error.body.issues ?? []) {
    const field = issue.path.split(/[./]/).filter(Boolean).pop();
    if (field && !(field in fields)) fields[field] = issue.message;
  }
  return fields;
}
