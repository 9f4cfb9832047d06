import { UpdateUserBody, USER_ROLES, UserRole, type UserSummary } from '@korgon/domain';
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useUpdateUser } from './users-query';

export type RowResult = { kind: 'saved'; name: string } | { kind: 'failed'; error: unknown };

interface UserRowProps {
  user: UserSummary;
  isSelf: boolean;
  noteId: string;
  onResult(result: RowResult): void;
  /** Opens the editor (display name, extension, password reset) for this user. */
  onEdit(): void;
}

/** One user: role and active state change at once, each change checked against UpdateUserBody first. */
export function UserRow({ user, isSelf, noteId, onResult, onEdit }: UserRowProps) {
  const { t } = useTranslation();
  const update = useUpdateUser();
  const [pending, setPending] = useState(false);
  const roleId = useId();

  async function save(change: UpdateUserBody) {
    const parsed = UpdateUserBody.safeParse(change);
    if (!parsed.success || pending) return;
    setPending(true);
    try {
      await update(user.id, parsed.data);
      onResult({ kind: 'saved', name: user.displayName });
    } catch (error) {
      onResult({ kind: 'failed', error });
    } finally {
      setPending(false);
    }
  }

  function changeRole(value: string) {
    const role = UserRole.safeParse(value);
    if (!role.success || role.data === user.role) return;
    // Only a partner user belongs to a partner organisation.
    const leavesPartner = role.data !== 'partner' && user.partnerOrgId !== null;
    void save(leavesPartner ? { role: role.data, partnerOrgId: null } : { role: role.data });
  }

  const locked = isSelf ? noteId : undefined;

  return (
    <tr aria-busy={pending || undefined}>
      <th scope="row">
        <span className="mono">{user.username}</span>
        {isSelf && <span className="muted"> {t('admin.you')}</span>}
      </th>
      <td>{user.displayName}</td>
      <td>
        <label htmlFor={roleId} className="sr-only">
          {t('admin.roleOf', { name: user.username })}
        </label>
        <select
          id={roleId}
          value={user.role}
          disabled={isSelf || pending}
          aria-describedby={locked}
          onChange={(e) => changeRole(e.target.value)}
        >
          {USER_ROLES.map((role) => (
            <option key={role} value={role} disabled={role === 'partner' && user.partnerOrgId === null}>
              {t(`roles.${role}`)}
            </option>
          ))}
        </select>
      </td>
      <td>{user.extension ?? <span className="muted">{t('admin.noExtension')}</span>}</td>
      <td>
        <span className={user.active ? 'status status-active' : 'status status-inactive'}>
          {user.active ? t('admin.active') : t('admin.inactive')}
        </span>
        {user.mustChangePassword && (
          <>
            <br />
            <span className="muted">{t('admin.mustChange')}</span>
          </>
        )}
      </td>
      <td>
        <div className="row-actions">
          <button type="button" className="button button-small" onClick={onEdit}>
            {t('admin.edit')}
            <span className="sr-only"> {user.username}</span>
          </button>
          <button
            type="button"
            className="button button-small"
            disabled={isSelf}
            aria-disabled={pending || undefined}
            aria-describedby={locked}
            onClick={() => void save({ active: !user.active })}
          >
            {user.active ? t('admin.deactivate') : t('admin.activate')}
            <span className="sr-only"> {user.username}</span>
          </button>
        </div>
      </td>
    </tr>
  );
}
