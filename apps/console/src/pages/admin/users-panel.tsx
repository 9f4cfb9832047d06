import type { UserSummary } from '@korgon/domain';
import type { TFunction } from 'i18next';
import { useId, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../lib/api';
import { selectMe, useAuthStore } from '../../lib/auth-store';
import { describeError } from '../../lib/describe-error';
import { UserEditor } from './user-editor';
import { type RowResult, UserRow } from './user-row';
import { useUsers } from './users-query';

const isPerson = (u: UserSummary) => u.role !== 'wall';

function failureText(error: unknown, t: TFunction): string {
  const issues = error instanceof ApiError ? (error.body.issues ?? []) : [];
  if (issues.length > 0) return issues.map((i) => i.message).join(' ');
  return describeError(error, t);
}

export function UsersPanel() {
  const { t } = useTranslation();
  const me = useAuthStore(selectMe);
  // Wall displays' accounts are kept under Wall displays (paired and revoked there), not here.
  const { users: everyone, status, error, load } = useUsers();
  const users = useMemo(() => everyone.filter(isPerson), [everyone]);
  const [result, setResult] = useState<RowResult | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const edited = users.find((u) => u.id === editing);
  const headingId = useId();
  const noteId = useId();

  return (
    <section className="panel" aria-labelledby={headingId}>
      <h2 id={headingId}>{t('admin.usersTitle')}</h2>
      <div role="status" className="feedback">
        {result?.kind === 'saved' && (
          <p className="alert alert-success">{t('admin.saved', { name: result.name })}</p>
        )}
      </div>
      {result?.kind === 'failed' && (
        <p className="alert alert-error" role="alert">
          {failureText(result.error, t)}
        </p>
      )}
      {status === 'loading' && users.length === 0 && <p role="status">{t('admin.loading')}</p>}
      {status === 'error' && (
        <div className="alert alert-error" role="alert">
          <p>
            {t('admin.loadFailed')} {describeError(error, t)}
          </p>
          <button type="button" className="button button-small" onClick={() => void load()}>
            {t('errors.retry')}
          </button>
        </div>
      )}
      {status === 'ready' && users.length === 0 && <p>{t('admin.empty')}</p>}
      {users.length > 0 && (
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard on narrow screens.
        <section className="table-scroll" aria-labelledby={headingId} tabIndex={0}>
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t('auth.username')}</th>
                <th scope="col">{t('admin.displayName')}</th>
                <th scope="col">{t('admin.role')}</th>
                <th scope="col">{t('admin.extension')}</th>
                <th scope="col">{t('admin.status')}</th>
                <th scope="col">{t('admin.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {users.map((user) => (
                <UserRow
                  key={user.id}
                  user={user}
                  isSelf={user.id === me?.id}
                  noteId={noteId}
                  onResult={setResult}
                  onEdit={() => {
                    setResult(null);
                    setEditing(user.id);
                  }}
                />
              ))}
            </tbody>
          </table>
        </section>
      )}
      {edited && (
        <UserEditor
          key={edited.id}
          user={edited}
          isSelf={edited.id === me?.id}
          onClose={() => setEditing(null)}
          onSaved={(name) => {
            setEditing(null);
            setResult({ kind: 'saved', name });
          }}
        />
      )}
      <p id={noteId} className="field-hint">
        {t('admin.selfLocked')} {t('admin.partnerNeedsOrg')}
      </p>
    </section>
  );
}
