import {
  CreateWallDisplayBody,
  DEFAULT_LOCALE,
  type WallDisplay,
  type WallPairingCode,
} from '@korgon/domain';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { SelectField, TextField } from '../../components/field';
import { ShownOnce } from '../../components/shown-once';
import { LANGUAGE_NAMES, LOCALES, useCurrentLocale } from '../../i18n/language';
import { describeDevice } from '../../lib/describe-device';
import { describeError } from '../../lib/describe-error';
import { formatDateTime } from '../../lib/format';
import { loadStatus, upsertInto } from '../../lib/query-client';
import { queryKeys } from '../../lib/query-keys';
import { useZodForm } from '../../lib/use-zod-form';
import { wallDisplaysApi } from '../../lib/wall-api';

/** While a code waits to be used, the list is read again this often, so "Paired" shows up by itself. */
const WATCH_PAIRING_MS = 5_000;

const NONE: WallDisplay[] = [];

/**
 * Wall displays: screens in the call room that show the figures in large print (no personal data). An
 * administrator creates one and gets a pairing code and link, shown once; gives a new code (a new screen, or
 * after a revoke); revokes one, which sends its screen back to its pairing page at once.
 */
export function WallDisplaysPanel() {
  const { t } = useTranslation();
  const headingId = useId();
  const client = useQueryClient();
  const read = useQuery({
    queryKey: queryKeys.wallDisplays,
    queryFn: wallDisplaysApi.list,
    // While a code waits to be used, "Paired" shows up by itself.
    refetchInterval: (q) =>
      q.state.data?.some((d) => d.pairingExpiresAt !== null) ? WATCH_PAIRING_MS : false,
  });
  const displays: WallDisplay[] = read.data ?? NONE;
  const status = loadStatus(read);
  const error = read.error;
  const load = () => read.refetch();
  const [issued, setIssued] = useState<WallPairingCode | null>(null);
  const [revoking, setRevoking] = useState<WallDisplay | null>(null);
  const [feedback, setFeedback] = useState<string | null>(null);
  const [failed, setFailed] = useState<unknown>(null);

  const upsert = (d: WallDisplay) => client.setQueryData(queryKeys.wallDisplays, upsertInto(d));

  function codeIssued(code: WallPairingCode) {
    setFeedback(null);
    setFailed(null);
    upsert(code.display);
    setIssued(code);
  }

  async function newCode(d: WallDisplay) {
    setFailed(null);
    try {
      codeIssued(await wallDisplaysApi.newCode(d.id));
    } catch (e) {
      setFailed(e);
    }
  }

  async function revoke(d: WallDisplay) {
    setRevoking(null);
    setFailed(null);
    try {
      upsert(await wallDisplaysApi.revoke(d.id));
      if (issued?.display.id === d.id) setIssued(null);
      setFeedback(t('wallDisplays.revoked', { name: d.name }));
    } catch (e) {
      setFailed(e);
    }
  }

  return (
    <section className="panel" aria-labelledby={headingId} data-testid="wall-displays">
      <h2 id={headingId} tabIndex={-1}>
        {t('wallDisplays.title')}
      </h2>
      <p className="field-hint">{t('wallDisplays.intro')}</p>
      <div role="status" className="feedback">
        {feedback && <p className="alert alert-success">{feedback}</p>}
      </div>
      {failed !== null && (
        <p className="alert alert-error" role="alert">
          {describeError(failed, t)}
        </p>
      )}
      {issued && (
        <PairingShownOnce
          issued={issued}
          onClose={() => {
            setIssued(null);
            document.getElementById(headingId)?.focus();
          }}
        />
      )}
      {status === 'loading' && displays.length === 0 && <p role="status">{t('wallDisplays.loading')}</p>}
      {status === 'error' && (
        <div className="alert alert-error" role="alert">
          <p>
            {t('wallDisplays.loadFailed')} {describeError(error, t)}
          </p>
          <button type="button" className="button button-small" onClick={() => void load()}>
            {t('errors.retry')}
          </button>
        </div>
      )}
      {status === 'ready' && displays.length === 0 && <p>{t('wallDisplays.empty')}</p>}
      {displays.length > 0 && (
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard on narrow screens.
        <section className="table-scroll" aria-labelledby={headingId} tabIndex={0}>
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t('wallDisplays.name')}</th>
                <th scope="col">{t('wallDisplays.screen')}</th>
                <th scope="col">{t('wallDisplays.created')}</th>
                <th scope="col">{t('admin.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {displays.map((d) => (
                <DisplayRow
                  key={d.id}
                  d={d}
                  onNewCode={() => void newCode(d)}
                  onRevoke={() => setRevoking(d)}
                />
              ))}
            </tbody>
          </table>
        </section>
      )}
      <CreateWallDisplayForm onCreated={codeIssued} />
      <ConfirmDialog
        open={revoking !== null}
        title={t('wallDisplays.revokeTitle', { name: revoking?.name ?? '' })}
        confirmLabel={t('wallDisplays.revokeYes')}
        cancelLabel={t('admin.cancel')}
        onConfirm={() => revoking && void revoke(revoking)}
        onCancel={() => setRevoking(null)}
        testId="wall-revoke-dialog"
      >
        <p>{t('wallDisplays.revokeText')}</p>
      </ConfirmDialog>
    </section>
  );
}

function DisplayRow({ d, onNewCode, onRevoke }: { d: WallDisplay; onNewCode(): void; onRevoke(): void }) {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const screen = d.sessions.at(-1);
  const device = screen ? describeDevice(screen.userAgent) : null;
  return (
    <tr data-testid="wall-display-row">
      <th scope="row">
        {d.name}
        <br />
        <span className="muted mono">{d.username}</span>
        <br />
        <span className="muted" lang={d.locale}>
          {LANGUAGE_NAMES[d.locale]}
        </span>
      </th>
      <td>
        {!d.active ? (
          <span className="status status-inactive">{t('wallDisplays.revokedStatus')}</span>
        ) : d.paired ? (
          <span className="status status-active">{t('wallDisplays.paired')}</span>
        ) : (
          <span className="status status-inactive">{t('wallDisplays.notPaired')}</span>
        )}
        {screen && (
          <>
            <br />
            <span className="muted">
              {t('wallDisplays.lastSeen', { time: formatDateTime(screen.lastSeenAt, locale) })}
              {device ? ` · ${device}` : ''}
            </span>
          </>
        )}
        {d.pairingExpiresAt && (
          <>
            <br />
            <span className="muted">
              {t('wallDisplays.codeWaiting', { time: formatDateTime(d.pairingExpiresAt, locale) })}
            </span>
          </>
        )}
      </td>
      <td>
        {t('wallDisplays.createdBy', {
          name: d.createdBy.displayName,
          time: formatDateTime(d.createdAt, locale),
        })}
      </td>
      <td>
        <div className="row-actions">
          <button type="button" className="button button-small" onClick={onNewCode}>
            {t('wallDisplays.newCode')}
            <span className="sr-only"> {d.name}</span>
          </button>
          {d.active && (
            <button type="button" className="button button-small button-danger" onClick={onRevoke}>
              {t('wallDisplays.revoke')}
              <span className="sr-only"> {d.name}</span>
            </button>
          )}
        </div>
      </td>
    </tr>
  );
}

/** The code and the link, once: the server keeps only the code's hash. */
function PairingShownOnce({ issued, onClose }: { issued: WallPairingCode; onClose(): void }) {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const linkId = useId();
  return (
    <div className="wall-pairing-once" data-testid="wall-pairing-code">
      <ShownOnce
        value={issued.code}
        heading="h3"
        testId="wall-code"
        onClose={onClose}
        text={{
          title: t('wallDisplays.codeTitle', { name: issued.display.name }),
          once: t('wallDisplays.codeOnce'),
          howTo: t('wallDisplays.codeHowTo', { time: formatDateTime(issued.expiresAt, locale) }),
          label: t('wallDisplays.codeLabel'),
          copy: t('wallDisplays.copy'),
          done: t('wallDisplays.done'),
          copied: t('wallDisplays.copied'),
          copyManually: t('wallDisplays.copyManually'),
        }}
      />
      <div className="field">
        <label htmlFor={linkId}>{t('wallDisplays.linkLabel')}</label>
        <input
          id={linkId}
          className="mono"
          readOnly
          value={issued.pairingUrl}
          spellCheck={false}
          autoComplete="off"
          data-testid="wall-pairing-url"
          onFocus={(e) => e.target.select()}
        />
      </div>
    </div>
  );
}

function CreateWallDisplayForm({ onCreated }: { onCreated(code: WallPairingCode): void }) {
  const { t } = useTranslation();
  const id = useId();
  const form = useZodForm(CreateWallDisplayBody, { defaultValues: { name: '', locale: DEFAULT_LOCALE } });
  const { failure, pending } = form;

  const onSubmit = form.submit(async (body) => {
    const created = await wallDisplaysApi.create(body);
    // The next screen is most likely for the same room, so its language stays.
    form.reset({ name: '', locale: body.locale });
    onCreated(created);
  });

  return (
    <form
      ref={form.ref}
      className="form form-grid wall-display-form"
      noValidate
      onSubmit={(e) => void onSubmit(e)}
      aria-labelledby={`${id}-h`}
    >
      <h3 id={`${id}-h`} className="form-wide">
        {t('wallDisplays.createTitle')}
      </h3>
      {failure !== null && (
        <p className="alert alert-error form-wide" role="alert">
          {describeError(failure, t)}
        </p>
      )}
      <TextField
        id={`${id}-name`}
        label={t('wallDisplays.name')}
        hint={t('wallDisplays.nameHint')}
        autoComplete="off"
        {...form.register('name')}
        error={form.errorOf('name')}
      />
      <SelectField
        id={`${id}-locale`}
        label={t('wallDisplays.locale')}
        {...form.register('locale')}
        error={form.errorOf('locale')}
      >
        {LOCALES.map((l) => (
          <option key={l} value={l} lang={l}>
            {LANGUAGE_NAMES[l]}
          </option>
        ))}
      </SelectField>
      <div className="form-actions form-wide">
        <button type="submit" className="button button-primary" aria-disabled={pending || undefined}>
          {t('wallDisplays.create')}
        </button>
        <p className="form-status" role="status">
          {pending ? t('wallDisplays.creating') : ''}
        </p>
      </div>
    </form>
  );
}
