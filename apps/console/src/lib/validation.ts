import type { TFunction } from 'i18next';
import type { z } from 'zod';

type Issue = z.core.$ZodIssue;

/** One zod issue from a domain schema, said in the current language (the schemas' own messages are English). */
export function issueMessage(issue: Issue, t: TFunction): string {
  switch (issue.code) {
    case 'too_small': {
      const count = Number(issue.minimum);
      if (issue.origin !== 'string') break;
      return count <= 1 ? t('validation.required') : t('validation.tooShort', { count });
    }
    case 'too_big':
      if (issue.origin !== 'string') break;
      return t('validation.tooLong', { count: Number(issue.maximum) });
    case 'invalid_format':
      if (issue.format === 'uuid') return t('validation.uuid');
      if (issue.format === 'regex' && issue.path.at(-1) === 'username') return t('validation.usernameFormat');
      if (issue.format === 'regex' && issue.path.at(-1) === 'extension')
        return t('validation.extensionFormat');
      if (issue.format === 'regex' && issue.path.at(-1) === 'displayName') return t('validation.oneLine');
      break;
    case 'invalid_value':
      return t('validation.choose');
    case 'invalid_type':
      return t('validation.required');
    case 'custom':
      if (issue.path.at(-1) === 'partnerOrgId') return t('validation.partnerOrg');
      if (issue.path.at(-1) === 'newPassword') return t('validation.passwordUnchanged');
      break;
  }
  return t('validation.invalid');
}
