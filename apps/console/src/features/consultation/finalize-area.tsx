import { useTranslation } from 'react-i18next';
import { type DraftController, type FinalizeIssue, useDraft } from '../../draft/draft-controller';
import { FIELDS, type FieldPath, fieldOfIssue, focusField } from '../../draft/fields';
import { describeError } from '../../lib/describe-error';
import { issueText } from './issues';

const order = (issue: FinalizeIssue) => {
  const field = fieldOfIssue(issue.path);
  return field ? FIELDS.indexOf(field) : FIELDS.length;
};

/** The server's issues in the form's order (the first is where focus goes). */
export function sortedIssues(issues: readonly FinalizeIssue[] | null): FinalizeIssue[] {
  return [...(issues ?? [])].sort((a, b) => order(a) - order(b));
}

export function firstIssueField(issues: readonly FinalizeIssue[] | null): FieldPath | null {
  const first = sortedIssues(issues)[0];
  return (first && fieldOfIssue(first.path)?.path) ?? null;
}

/** Finalize: the button (and Ctrl+Enter), and what keeps the record from being final, linked to each field. */
export function FinalizeArea({ c, onFinalize }: { c: DraftController; onFinalize(): void }) {
  const { t } = useTranslation();
  const issues = useDraft(c, (s) => s.issues);
  const blocked = useDraft(c, (s) => s.finalizeBlocked);
  const error = useDraft(c, (s) => s.finalizeError);
  const finalizing = useDraft(c, (s) => s.finalizing);
  const riskBlocked = useDraft(c, (s) => s.riskBlocked);
  const list = sortedIssues(issues);

  return (
    <section
      className="panel finalize-area"
      id="sec-finalize"
      aria-labelledby="sec-finalize-h"
      data-testid="finalize"
    >
      <h2 id="sec-finalize-h" tabIndex={-1}>
        {t('finalize.title')}
      </h2>
      <p className="field-hint">{t('finalize.intro')}</p>
      {list.length > 0 && (
        <div className="alert alert-error" role="alert" data-testid="finalize-issues">
          <p>{t('finalize.issuesIntro')}</p>
          <ul>
            {list.map((issue) => {
              const field = fieldOfIssue(issue.path);
              return (
                <li key={`${issue.path}-${issue.code}`} data-testid="finalize-issue" data-path={issue.path}>
                  {field ? (
                    <button type="button" className="link-button" onClick={() => focusField(field.path)}>
                      {t(`consultation.field.${field.path}`)}: {issueText(issue, t)}
                    </button>
                  ) : (
                    `${issue.path}: ${issueText(issue, t)}`
                  )}
                </li>
              );
            })}
          </ul>
        </div>
      )}
      {blocked && (
        <p className="alert alert-warning" role="alert" id="finalize-problem" tabIndex={-1}>
          {t('finalize.blocked')}
        </p>
      )}
      {error !== null && (
        <p className="alert alert-error" role="alert" id="finalize-problem" tabIndex={-1}>
          {t('finalize.failed')} {describeError(error, t)}
        </p>
      )}
      {riskBlocked && (
        <p className="alert alert-warning" role="alert" data-testid="finalize-risk-unsaved">
          {t('finalize.riskUnsaved')}
        </p>
      )}
      <div className="form-actions">
        <button
          type="button"
          className="button button-primary"
          aria-keyshortcuts="Control+Enter"
          aria-disabled={finalizing || undefined}
          onClick={onFinalize}
        >
          {finalizing ? t('finalize.pending') : t('finalize.button')}
        </button>
        <p className="field-hint">{t('finalize.shortcut')}</p>
      </div>
    </section>
  );
}
