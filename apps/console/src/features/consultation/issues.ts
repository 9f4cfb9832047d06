import type { TFunction } from 'i18next';
import type { FinalizeIssue } from '../../draft/draft-controller';
import { type FieldPath, fieldOfIssue } from '../../draft/fields';

/** A server issue in the UI language: "required" and "unknown_option" have their own sentence. */
export function issueText(issue: FinalizeIssue, t: TFunction): string {
  if (issue.code === 'required') return t('consultation.issue.required');
  if (issue.code === 'unknown_option') return t('consultation.issue.unknownOption');
  return t('consultation.issue.invalid');
}

/** The first issue of each field, translated. */
export function errorsByField(issues: readonly FinalizeIssue[] | null, t: TFunction): Map<FieldPath, string> {
  const out = new Map<FieldPath, string>();
  for (const issue of issues ?? []) {
    const field = fieldOfIssue(issue.path);
    if (field && !out.has(field.path)) out.set(field.path, issueText(issue, t));
  }
  return out;
}
