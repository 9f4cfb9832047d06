import {
  CreateWallDisplayBody,
  DEFAULT_LOCALE,
  type Locale,
  type WallDisplay,
  type WallPairingCode,
} from '@korgon/domain';
import { type FormEvent, useCallback, useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { SelectField, TextField } from '../../components/field';
import { ShownOnce } from '../../components/shown-once';
import { LANGUAGE_NAMES, LOCALES, useCurrentLocale } from '../../i18n/language';
import { describeError } from '../../lib/describe-error';
import { formatDateTime } from '../../lib/format';
import { signedInGeneration } from '../../lib/signed-in-state';
import { fieldErrorsOf } from '../../lib/validation';
import { describeDevice } from '../sessions/describe-device';
import { wallDisplaysApi } from '../wall/wall-api';

/** While a code waits to be used, the list is read again this often, so "Paired" shows up by itself. */
const WATCH_PAIRING_MS = 5_000;

type Load = 'loading' | 'ready' | 'error';

/**
 * Wall displays: screens in the call room that show the figures in large print (no personal data). An
 * administrator creates one and gets a pairing code and link, shown once; gives a new code (a new screen, or
 * after a revoke); revokes one, which sends its screen back to its pairing page at once.
 */
export function WallDisplaysPanel() {
  const { t } = useTranslation();
  const headingId = useId();
  const [displays, setDisplays] = useState<WallDisplay[]>([]);
  const [status, setStatus] = useState<Load>('loading');
  const [error, setError] = useState<unknown>(null);
  const [issued, setIssued] = useState<WallPairingCode | null>(null);
  const [revoking, setRevoking] = useState<WallDisplay | null>(null);
  const [feedback, setFeedback] = useState<string | null>(null);
  const [failed, setFailed] = useState<unknown>(null);

  const load = useCallback(async () => {
    const generation = signedInGeneration();
    try {
      const list = await wallDisplaysApi.list();
      if (generation !== signedInGeneration()) return;
      setDisplays(list);
      setStatus('ready');
      setError(null);
    } catch (e) {
      if (generation !== signedInGeneration()) return;
      setStatus('error');
      setError(e);
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  const waitingForScreen = displays.some((d) => d.pairingExpiresAt !== null);
  useEffect(() => {
    if (!waitingForScreen) return;
    const timer = window.setInterval(() => void load(), WATCH_PAIRING_MS);
    return () => window.clearInterval(timer);
  }, [waitingForScreen, load]);

  const upsert = (d: WallDisplay) =>
    setDisplays((list) =>
      list.some((x) => x.id === d.id) ? list.map((x) => (x.id === d.id ? d : x)) : [...list, d],
    );

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

type Problem = { kind: 'invalid'; issues: z.core.$ZodIssue[] } | { kind: 'failed'; error: unknown };

function CreateWallDisplayForm({ onCreated }: { onCreated(code: WallPairingCode): void }) {
  const { t } = useTranslation();
  const id = useId();
  const [name, setName] = useState('');
  const [locale, setLocale] = useState<Locale>(DEFAULT_LOCALE);
  const [pending, setPending] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);

  const fields = problem?.kind === 'invalid' ? fieldErrorsOf(problem.issues, t) : {};

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (pending) return;
    const parsed = CreateWallDisplayBody.safeParse({ name, locale });
    if (!parsed.success) {
      setProblem({ kind: 'invalid', issues: parsed.error.issues });
      document.getElementById(`${id}-name`)?.focus();
      return;
    }
    setPending(true);
    setProblem(null);
    try {
      const created = await wallDisplaysApi.create(parsed.data);
      setName('');
      onCreated(created);
    } catch (error) {
      setProblem({ kind: 'failed', error });
    } finally {
      setPending(false);
    }
  }

  return (
    <form
      className="form form-grid wall-display-form"
      noValidate
      onSubmit={onSubmit}
      aria-labelledby={`${id}-h`}
    >
      <h3 id={`${id}-h`} className="form-wide">
        {t('wallDisplays.createTitle')}
      </h3>
      {problem?.kind === 'failed' && (
        <p className="alert alert-error form-wide" role="alert">
          {describeError(problem.error, t)}
        </p>
      )}
      <TextField
        id={`${id}-name`}
        label={t('wallDisplays.name')}
        hint={t('wallDisplays.nameHint')}
        autoComplete="off"
        value={name}
        onChange={(e) => setName(e.target.value)}
        error={fields.name}
      />
      <SelectField
        id={`${id}-locale`}
        label={t('wallDisplays.locale')}
        value={locale}
        onChange={(e) => setLocale(LOCALES.find((l) => l === e.target.value) ?? DEFAULT_LOCALE)}
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
