import {
  DEFAULT_ESCALATION_MINUTES,
  EscalationBody,
  MAX_ESCALATION_MINUTES,
  PARTNER_TYPES,
  type Partner,
  type PartnerHours,
  PartnerType,
  REGIONS,
} from '@korgon/domain';
import type { TFunction } from 'i18next';
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ShownOnce } from '../../components/shown-once';
import { partnerTypeName } from '../../features/referrals/referral-bits';
import { useCurrentLocale } from '../../i18n/language';
import { describeError } from '../../lib/describe-error';
import { useZodForm } from '../../lib/use-zod-form';
import { PartnerForm } from './partner-form';
import { partnersAdminApi } from './partners-api';
import { useAdminPartners, useMakeSecret } from './partners-query';

type Editing = null | 'new' | Partner;

function hoursText(h: PartnerHours, t: TFunction): string {
  if ('always' in h) return t('partners.always');
  const parts = (['weekdays', 'saturday', 'sunday'] as const)
    .filter((d) => h[d])
    .map((d) => `${t(`partners.dayShort.${d}`)} ${h[d]?.[0]}–${h[d]?.[1]}`);
  return parts.length ? parts.join('; ') : t('partners.closed');
}

const regionName = (id: string, locale: 'ky' | 'ru' | 'en') =>
  REGIONS.find((r) => r.id === id)?.label[locale] ?? id;

/**
 * Partner organisations: the list, add, edit (regions, hours, channel and address, contacts, active), a new
 * webhook signing secret (shown once), and how long an urgent referral may wait per type of partner.
 */
export function PartnersPanel() {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const { partners, status, error, load } = useAdminPartners();
  const [editing, setEditing] = useState<Editing>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [secret, setSecret] = useState<{ partner: Partner; secret: string } | null>(null);
  const headingId = useId();

  const sorted = [...partners].sort(
    (a, b) =>
      PARTNER_TYPES.indexOf(a.type) - PARTNER_TYPES.indexOf(b.type) ||
      a.name[locale].localeCompare(b.name[locale], locale),
  );

  function done(p: Partner | null) {
    setEditing(null);
    if (p) setSaved(t('partners.saved', { name: p.name[locale] }));
    window.setTimeout(() => document.getElementById(headingId)?.focus(), 0);
  }

  return (
    <section className="panel partners-panel" aria-labelledby={headingId} data-testid="partners-panel">
      <h2 id={headingId} tabIndex={-1}>
        {t('admin.partnersTitle')}
      </h2>
      <p className="field-hint">{t('partners.intro')}</p>
      <div role="status" className="feedback">
        {saved && <p className="alert alert-success">{saved}</p>}
      </div>
      {secret && (
        <SecretShownOnce
          name={secret.partner.name[locale]}
          secret={secret.secret}
          onClose={() => setSecret(null)}
        />
      )}
      {status === 'loading' && partners.length === 0 && <p role="status">{t('partners.loading')}</p>}
      {status === 'error' && (
        <div className="alert alert-error" role="alert">
          <p>
            {t('partners.loadFailed')} {describeError(error, t)}
          </p>
          <button type="button" className="button button-small" onClick={() => void load()}>
            {t('errors.retry')}
          </button>
        </div>
      )}
      {partners.length > 0 && (
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard on narrow screens.
        <section className="table-scroll" aria-labelledby={headingId} tabIndex={0}>
          <table className="table partners-table">
            <thead>
              <tr>
                <th scope="col">{t('partners.name')}</th>
                <th scope="col">{t('partners.regions')}</th>
                <th scope="col">{t('partners.hours')}</th>
                <th scope="col">{t('partners.channel')}</th>
                <th scope="col">{t('admin.status')}</th>
                <th scope="col">{t('admin.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {sorted.map((p) => (
                <PartnerRow
                  key={p.id}
                  p={p}
                  onEdit={() => {
                    setSaved(null);
                    setEditing(p);
                  }}
                  onSecret={(s) => setSecret({ partner: p, secret: s })}
                />
              ))}
            </tbody>
          </table>
        </section>
      )}
      {editing === null ? (
        <button
          type="button"
          className="button button-primary partners-add"
          onClick={() => {
            setSaved(null);
            setEditing('new');
          }}
        >
          {t('partners.addButton')}
        </button>
      ) : (
        <PartnerForm
          key={editing === 'new' ? 'new' : editing.id}
          partner={editing === 'new' ? null : editing}
          onDone={done}
        />
      )}
      <EscalationForm />
    </section>
  );
}

function PartnerRow({ p, onEdit, onSecret }: { p: Partner; onEdit(): void; onSecret(secret: string): void }) {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const makeSecret = useMakeSecret();
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState<unknown>(null);
  async function secretNow() {
    if (busy) return;
    setBusy(true);
    setFailed(null);
    try {
      onSecret(await makeSecret(p.id));
    } catch (e) {
      setFailed(e);
    } finally {
      setBusy(false);
    }
  }
  const address = p.channel === 'webhook' ? p.webhookUrl : p.channel === 'email' ? p.email : null;
  return (
    <tr data-testid="partner-row" data-slug={p.slug}>
      <th scope="row">
        {p.name[locale]}
        <br />
        <span className="muted partner-type">{partnerTypeName(p.type, locale)}</span>
        <br />
        <span className="muted mono">{p.slug}</span>
      </th>
      <td>{p.regions.map((r) => regionName(r, locale)).join(', ')}</td>
      <td>{hoursText(p.hours, t)}</td>
      <td>
        {t(`referrals.channel.${p.channel}`)}
        {address && (
          <>
            <br />
            <span className="muted break-anywhere">{address}</span>
          </>
        )}
        {p.channel === 'webhook' && (
          <>
            <br />
            <span className={p.hasWebhookSecret ? 'status status-active' : 'status status-inactive'}>
              {p.hasWebhookSecret ? t('partners.secretSet') : t('partners.secretMissing')}
            </span>
          </>
        )}
      </td>
      <td>
        <span className={p.active ? 'status status-active' : 'status status-inactive'}>
          {p.active ? t('admin.active') : t('admin.inactive')}
        </span>
      </td>
      <td>
        <div className="row-actions">
          <button type="button" className="button button-small" onClick={onEdit}>
            {t('partners.edit')}
            <span className="sr-only"> {p.name[locale]}</span>
          </button>
          {p.channel === 'webhook' && (
            <button
              type="button"
              className="button button-small"
              aria-disabled={busy || undefined}
              onClick={() => void secretNow()}
            >
              {p.hasWebhookSecret ? t('partners.newSecret') : t('partners.makeSecret')}
              <span className="sr-only"> {p.name[locale]}</span>
            </button>
          )}
        </div>
        {failed !== null && (
          <p className="inline-error" role="alert">
            {describeError(failed, t)}
          </p>
        )}
      </td>
    </tr>
  );
}

/** The new secret, once: copy it now; it is kept encrypted on the server and cannot be shown again. */
function SecretShownOnce({ name, secret, onClose }: { name: string; secret: string; onClose(): void }) {
  const { t } = useTranslation();
  return (
    <ShownOnce
      value={secret}
      heading="h3"
      testId="webhook-secret"
      onClose={onClose}
      text={{
        title: t('partners.secretTitle', { name }),
        once: t('partners.secretOnce'),
        howTo: t('partners.secretHowTo'),
        label: t('partners.secret'),
        copy: t('partners.copy'),
        done: t('partners.secretDone'),
        copied: t('partners.copied'),
        copyManually: t('partners.copyManually'),
      }}
    />
  );
}

/** The escalation body with the type it is for (the route's path parameter), checked as one form. */
const EscalationFields = EscalationBody.extend({ type: PartnerType });

/** How long an urgent referral to a type of partner may wait for acknowledgement before it is escalated. */
function EscalationForm() {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const id = useId();
  const [done, setDone] = useState<string | null>(null);
  const form = useZodForm(EscalationFields, {
    defaultValues: { type: 'police', minutes: DEFAULT_ESCALATION_MINUTES },
    wording: (issue, t) => (issue.path[0] === 'minutes' ? t('partners.minutesInvalid') : undefined),
  });
  const { failure, pending } = form;
  const invalid = form.errorOf('minutes');

  const onSubmit = form.submit(async ({ type, minutes }) => {
    const r = await partnersAdminApi.escalation(type, minutes);
    setDone(t('partners.escalationSaved', { type: partnerTypeName(type, locale), minutes: r.minutes }));
  });

  return (
    <form
      ref={form.ref}
      className="escalation-form"
      noValidate
      onSubmit={(e) => {
        setDone(null);
        void onSubmit(e);
      }}
      aria-labelledby={`${id}-h`}
      data-testid="escalation-form"
    >
      <h3 id={`${id}-h`}>{t('partners.escalationTitle')}</h3>
      <p className="field-hint">{t('partners.escalationHint', { minutes: DEFAULT_ESCALATION_MINUTES })}</p>
      <div className="inline-form">
        <div className="field">
          <label htmlFor={`${id}-type`}>{t('partners.type')}</label>
          <select id={`${id}-type`} {...form.register('type')}>
            {PARTNER_TYPES.map((x) => (
              <option key={x} value={x}>
                {partnerTypeName(x, locale)}
              </option>
            ))}
          </select>
        </div>
        <div className={invalid ? 'field field-invalid' : 'field'}>
          <label htmlFor={`${id}-minutes`}>{t('partners.minutes')}</label>
          <input
            id={`${id}-minutes`}
            type="number"
            inputMode="numeric"
            min={1}
            max={MAX_ESCALATION_MINUTES}
            step={1}
            {...form.register('minutes', { valueAsNumber: true })}
            aria-invalid={invalid ? true : undefined}
            aria-describedby={invalid ? `${id}-minutes-error` : undefined}
          />
          {invalid && (
            <p id={`${id}-minutes-error`} className="field-error">
              {invalid}
            </p>
          )}
        </div>
        <button type="submit" className="button button-primary" aria-disabled={pending || undefined}>
          {t('partners.escalationSave')}
        </button>
      </div>
      <p className="form-status" role="status">
        {done ?? ''}
      </p>
      {failure !== null && (
        <p className="alert alert-error" role="alert">
          {describeError(failure, t)}
        </p>
      )}
    </form>
  );
}
