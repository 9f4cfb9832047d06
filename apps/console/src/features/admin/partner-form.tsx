import {
  CreatePartnerBody,
  DELIVERY_CHANNELS,
  type DeliveryChannel,
  PARTNER_TYPES,
  type Partner,
  type PartnerType,
  REGIONS,
  UpdatePartnerBody,
} from '@korgon/domain';
import type { TFunction } from 'i18next';
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import { TextField } from '../../components/field';
import { useCurrentLocale } from '../../i18n/language';
import { ApiError } from '../../lib/api';
import { describeError } from '../../lib/describe-error';
import { issueMessage } from '../../lib/validation';
import { partnerTypeName } from '../referrals/referral-bits';
import { usePartnersAdminStore } from './partners-store';

const LANGUAGES = ['ky', 'ru', 'uz', 'en'] as const;
const DAYS = ['weekdays', 'saturday', 'sunday'] as const;
type Day = (typeof DAYS)[number];

interface DayHours {
  open: boolean;
  from: string;
  to: string;
}

interface Contact {
  key: number;
  name: string;
  role: string;
  phone: string;
  email: string;
}

interface Draft {
  slug: string;
  name: { ky: string; ru: string; en: string };
  type: PartnerType;
  regions: string[];
  languages: string[];
  always: boolean;
  days: Record<Day, DayHours>;
  channel: DeliveryChannel;
  webhookUrl: string;
  email: string;
  contacts: Contact[];
  active: boolean;
}

let contactKeys = 0;

function draftOf(p: Partner | null): Draft {
  const hours = p?.hours ?? { always: true as const };
  const day = (d: Day): DayHours => {
    const w = 'always' in hours ? undefined : hours[d];
    return w ? { open: true, from: w[0], to: w[1] } : { open: d === 'weekdays', from: '09:00', to: '18:00' };
  };
  return {
    slug: p?.slug ?? '',
    name: { ky: p?.name.ky ?? '', ru: p?.name.ru ?? '', en: p?.name.en ?? '' },
    type: p?.type ?? 'police',
    regions: p?.regions ?? [],
    languages: p?.languages ?? ['ky', 'ru'],
    always: 'always' in hours,
    days: { weekdays: day('weekdays'), saturday: day('saturday'), sunday: day('sunday') },
    channel: p?.channel ?? 'portal',
    webhookUrl: p?.webhookUrl ?? '',
    email: p?.email ?? '',
    contacts: (p?.contacts ?? []).map((c) => ({
      key: ++contactKeys,
      name: c.name,
      role: c.role ?? '',
      phone: c.phone ?? '',
      email: c.email ?? '',
    })),
    active: p?.active ?? true,
  };
}

function bodyOf(d: Draft) {
  const hours: Record<string, unknown> = d.always ? { always: true } : {};
  if (!d.always)
    for (const day of DAYS) if (d.days[day].open) hours[day] = [d.days[day].from, d.days[day].to];
  return {
    slug: d.slug.trim(),
    name: { ky: d.name.ky.trim(), ru: d.name.ru.trim(), en: d.name.en.trim() },
    type: d.type,
    regions: d.regions,
    languages: d.languages,
    hours,
    channel: d.channel,
    webhookUrl: d.webhookUrl.trim() || null,
    email: d.email.trim() || null,
    contacts: d.contacts
      .filter((c) => c.name.trim() || c.role.trim() || c.phone.trim() || c.email.trim())
      .map((c) => ({
        name: c.name.trim(),
        ...(c.role.trim() ? { role: c.role.trim() } : {}),
        ...(c.phone.trim() ? { phone: c.phone.trim() } : {}),
        ...(c.email.trim() ? { email: c.email.trim() } : {}),
      })),
    active: d.active,
  };
}

/** An issue under its full path ("name.ky", "contacts.0.email", "hours"), said in the current language. */
function errorsOf(issues: readonly z.core.$ZodIssue[], t: TFunction): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of issues) {
    const path = issue.path.map(String);
    const key = path[0] === 'hours' ? 'hours' : path.join('.');
    if (key in out) continue;
    if (path[0] === 'webhookUrl') out[key] = t('partners.webhookUrlNeeded');
    else if (path[0] === 'email') out[key] = t('partners.emailNeeded');
    else if (path[0] === 'regions') out[key] = t('partners.regionsNeeded');
    else if (path[0] === 'slug' && issue.code === 'invalid_format') out[key] = t('partners.slugFormat');
    else if (path[0] === 'hours') out[key] = t('partners.hoursInvalid');
    else if (path[0] === 'contacts' && path[2] === 'email') out[key] = t('partners.contactEmailInvalid');
    else out[key] = issueMessage(issue, t);
  }
  return out;
}

/** Server issues ("body.webhookUrl") under the same keys. */
function serverErrors(error: unknown, t: TFunction): Record<string, string> {
  const out: Record<string, string> = {};
  if (!(error instanceof ApiError)) return out;
  for (const issue of error.body.issues ?? []) {
    const key = issue.path.replace(/^body\./, '');
    if (key.startsWith('webhookUrl')) out.webhookUrl = t('partners.webhookUrlNeeded');
    else if (key.startsWith('email')) out.email = t('partners.emailNeeded');
    else if (!(key in out)) out[key] = issue.message;
  }
  return out;
}

/**
 * Adds a partner organisation, or changes one: names in three languages, type, regions served, languages,
 * opening hours (Bishkek time), delivery channel and its address, contacts, active.
 */
export function PartnerForm({
  partner,
  onDone,
}: {
  partner: Partner | null;
  onDone(saved: Partner | null): void;
}) {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const id = useId();
  const form = useRef<HTMLFormElement>(null);
  const create = usePartnersAdminStore((s) => s.create);
  const update = usePartnersAdminStore((s) => s.update);
  const [d, setD] = useState<Draft>(() => draftOf(partner));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [pending, setPending] = useState(false);
  const [checked, setChecked] = useState(0);

  // A field's error goes as soon as the field is changed; the rest stay until the next check.
  const clear = (...prefixes: string[]) =>
    setErrors((e) => {
      const keys = Object.keys(e).filter((k) => prefixes.some((p) => k === p || k.startsWith(`${p}.`)));
      if (keys.length === 0) return e;
      const next = { ...e };
      for (const k of keys) delete next[k];
      return next;
    });
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => {
    setD((x) => ({ ...x, [k]: v }));
    clear(k === 'always' ? 'hours' : k === 'channel' ? 'webhookUrl' : k, k === 'channel' ? 'email' : k);
  };
  const setDay = (day: Day, patch: Partial<DayHours>) => {
    setD((x) => ({ ...x, days: { ...x.days, [day]: { ...x.days[day], ...patch } } }));
    clear('hours');
  };
  const toggle = (list: string[], v: string, on: boolean) =>
    on ? [...list.filter((x) => x !== v), v] : list.filter((x) => x !== v);
  const setContact = (key: number, patch: Partial<Contact>) => {
    setD((x) => ({ ...x, contacts: x.contacts.map((c) => (c.key === key ? { ...c, ...patch } : c)) }));
    clear('contacts');
  };

  useEffect(() => {
    if (checked > 0) form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [checked]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (pending) return;
    setFailure(null);
    const body = bodyOf(d);
    const parsed = partner ? UpdatePartnerBody.safeParse(body) : CreatePartnerBody.safeParse(body);
    const channelIssues: Record<string, string> = {};
    if (d.channel === 'webhook' && !body.webhookUrl)
      channelIssues.webhookUrl = t('partners.webhookUrlNeeded');
    if (d.channel === 'email' && !body.email) channelIssues.email = t('partners.emailNeeded');
    const found = { ...(parsed.success ? {} : errorsOf(parsed.error.issues, t)), ...channelIssues };
    setErrors(found);
    if (Object.keys(found).length > 0) {
      setChecked((n) => n + 1);
      return;
    }
    setPending(true);
    try {
      const saved = partner
        ? await update(partner.id, UpdatePartnerBody.parse(body))
        : await create(CreatePartnerBody.parse(body));
      onDone(saved);
    } catch (error) {
      const fromServer =
        error instanceof ApiError && error.status === 409 && !partner
          ? { slug: t('partners.slugTaken') }
          : serverErrors(error, t);
      setErrors(fromServer);
      setFailure(error);
      setChecked((n) => n + 1);
    } finally {
      setPending(false);
    }
  }

  const err = (k: string) => errors[k];
  const title = partner ? t('partners.editTitle', { name: partner.name[locale] }) : t('partners.addTitle');

  return (
    <form
      ref={form}
      className="form partner-form"
      noValidate
      onSubmit={(e) => void submit(e)}
      aria-labelledby={`${id}-h`}
      data-testid="partner-form"
    >
      <h3 id={`${id}-h`} tabIndex={-1}>
        {title}
      </h3>
      {(Object.keys(errors).length > 0 || failure !== null) && (
        <p className="alert alert-error" role="alert">
          {failure !== null && !(failure instanceof ApiError && failure.status === 400)
            ? failure instanceof ApiError && failure.status === 409
              ? partner
                ? t('partners.updateConflict')
                : t('partners.slugTaken')
              : describeError(failure, t)
            : t('errors.invalidRequest')}
        </p>
      )}
      <div className="form-grid">
        <TextField
          id={`${id}-name-ky`}
          label={t('partners.nameKy')}
          lang="ky"
          value={d.name.ky}
          onChange={(e) => set('name', { ...d.name, ky: e.target.value })}
          error={err('name.ky')}
        />
        <TextField
          id={`${id}-name-ru`}
          label={t('partners.nameRu')}
          lang="ru"
          value={d.name.ru}
          onChange={(e) => set('name', { ...d.name, ru: e.target.value })}
          error={err('name.ru')}
        />
        <TextField
          id={`${id}-name-en`}
          label={t('partners.nameEn')}
          lang="en"
          value={d.name.en}
          onChange={(e) => set('name', { ...d.name, en: e.target.value })}
          error={err('name.en')}
        />
        <TextField
          id={`${id}-slug`}
          label={t('partners.slug')}
          hint={t('partners.slugHint')}
          autoComplete="off"
          autoCapitalize="none"
          spellCheck={false}
          value={d.slug}
          onChange={(e) => set('slug', e.target.value)}
          error={err('slug')}
        />
        <div className={err('type') ? 'field field-invalid' : 'field'}>
          <label htmlFor={`${id}-type`}>{t('partners.type')}</label>
          <select
            id={`${id}-type`}
            value={d.type}
            onChange={(e) => set('type', PARTNER_TYPES.find((x) => x === e.target.value) ?? 'police')}
          >
            {PARTNER_TYPES.map((type) => (
              <option key={type} value={type}>
                {partnerTypeName(type, locale)}
              </option>
            ))}
          </select>
        </div>
      </div>

      <fieldset
        className={`choice-group choice-group-wide${err('regions') ? ' field-invalid' : ''}`}
        aria-describedby={err('regions') ? `${id}-regions-error` : undefined}
      >
        <legend>{t('partners.regions')}</legend>
        <div className="choices">
          {REGIONS.map((r) => (
            <label key={r.id} className="choice">
              <input
                type="checkbox"
                value={r.id}
                checked={d.regions.includes(r.id)}
                aria-invalid={err('regions') ? true : undefined}
                onChange={(e) => set('regions', toggle(d.regions, r.id, e.target.checked))}
              />
              <span>{r.label[locale]}</span>
            </label>
          ))}
        </div>
        {err('regions') && (
          <p id={`${id}-regions-error`} className="field-error">
            {err('regions')}
          </p>
        )}
      </fieldset>

      <fieldset className="choice-group">
        <legend>{t('partners.languages')}</legend>
        <div className="choices">
          {LANGUAGES.map((l) => (
            <label key={l} className="choice">
              <input
                type="checkbox"
                value={l}
                checked={d.languages.includes(l)}
                onChange={(e) => set('languages', toggle(d.languages, l, e.target.checked))}
              />
              <span>{t(`partners.language.${l}`)}</span>
            </label>
          ))}
        </div>
      </fieldset>

      <fieldset
        className={`choice-group choice-group-wide${err('hours') ? ' field-invalid' : ''}`}
        aria-describedby={`${id}-hours-hint${err('hours') ? ` ${id}-hours-error` : ''}`}
        data-testid="partner-hours"
      >
        <legend>{t('partners.hours')}</legend>
        <p id={`${id}-hours-hint`} className="field-hint">
          {t('partners.hoursHint')}
        </p>
        <div className="choices">
          <label className="choice">
            <input
              type="radio"
              name={`${id}-always`}
              checked={d.always}
              onChange={() => set('always', true)}
            />
            <span>{t('partners.always')}</span>
          </label>
          <label className="choice">
            <input
              type="radio"
              name={`${id}-always`}
              checked={!d.always}
              onChange={() => set('always', false)}
            />
            <span>{t('partners.setHours')}</span>
          </label>
        </div>
        {!d.always &&
          DAYS.map((day) => (
            <fieldset key={day} className="hours-row">
              <legend className="sr-only">{t(`partners.day.${day}`)}</legend>
              <label className="choice">
                <input
                  type="checkbox"
                  checked={d.days[day].open}
                  onChange={(e) => setDay(day, { open: e.target.checked })}
                />
                <span>{t(`partners.day.${day}`)}</span>
              </label>
              {d.days[day].open && (
                <div className="inline-fields">
                  <TextField
                    id={`${id}-${day}-from`}
                    type="time"
                    className="time-input"
                    label={t('partners.from')}
                    value={d.days[day].from}
                    onChange={(e) => setDay(day, { from: e.target.value })}
                  />
                  <TextField
                    id={`${id}-${day}-to`}
                    type="time"
                    className="time-input"
                    label={t('partners.to')}
                    value={d.days[day].to}
                    onChange={(e) => setDay(day, { to: e.target.value })}
                  />
                </div>
              )}
            </fieldset>
          ))}
        {err('hours') && (
          <p id={`${id}-hours-error`} className="field-error">
            {err('hours')}
          </p>
        )}
      </fieldset>

      <fieldset className="choice-group choice-group-wide" data-testid="partner-channel">
        <legend>{t('partners.channel')}</legend>
        <div className="choices">
          {DELIVERY_CHANNELS.map((c) => (
            <label key={c} className="choice">
              <input
                type="radio"
                name={`${id}-channel`}
                value={c}
                checked={d.channel === c}
                onChange={() => set('channel', c)}
              />
              <span>{t(`referrals.channel.${c}`)}</span>
            </label>
          ))}
        </div>
        <p className="field-hint">{t(`partners.channelHint.${d.channel}`)}</p>
      </fieldset>
      <div className="form-grid">
        {d.channel === 'webhook' && (
          <TextField
            id={`${id}-webhook`}
            type="url"
            label={t('partners.webhookUrl')}
            hint={t('partners.webhookUrlHint')}
            autoComplete="off"
            spellCheck={false}
            value={d.webhookUrl}
            onChange={(e) => set('webhookUrl', e.target.value)}
            error={err('webhookUrl')}
          />
        )}
        {d.channel === 'email' && (
          <TextField
            id={`${id}-email`}
            type="email"
            label={t('partners.email')}
            autoComplete="off"
            spellCheck={false}
            value={d.email}
            onChange={(e) => set('email', e.target.value)}
            error={err('email')}
          />
        )}
      </div>

      <fieldset className="choice-group choice-group-wide" data-testid="partner-contacts">
        <legend>{t('partners.contacts')}</legend>
        {d.contacts.length === 0 && <p className="field-hint">{t('partners.noContacts')}</p>}
        {d.contacts.map((c, i) => (
          <fieldset key={c.key} className="choice-subgroup contact-row">
            <legend>{t('partners.contactN', { n: i + 1 })}</legend>
            <div className="form-grid">
              <TextField
                id={`${id}-c${c.key}-name`}
                label={t('partners.contactName')}
                autoComplete="off"
                value={c.name}
                onChange={(e) => setContact(c.key, { name: e.target.value })}
                error={err(`contacts.${i}.name`)}
              />
              <TextField
                id={`${id}-c${c.key}-role`}
                label={t('partners.contactRole')}
                autoComplete="off"
                value={c.role}
                onChange={(e) => setContact(c.key, { role: e.target.value })}
                error={err(`contacts.${i}.role`)}
              />
              <TextField
                id={`${id}-c${c.key}-phone`}
                type="tel"
                label={t('partners.contactPhone')}
                autoComplete="off"
                value={c.phone}
                onChange={(e) => setContact(c.key, { phone: e.target.value })}
                error={err(`contacts.${i}.phone`)}
              />
              <TextField
                id={`${id}-c${c.key}-email`}
                type="email"
                label={t('partners.contactEmail')}
                autoComplete="off"
                value={c.email}
                onChange={(e) => setContact(c.key, { email: e.target.value })}
                error={err(`contacts.${i}.email`)}
              />
            </div>
            <button
              type="button"
              className="button button-small button-danger"
              onClick={() =>
                set(
                  'contacts',
                  d.contacts.filter((x) => x.key !== c.key),
                )
              }
            >
              {t('partners.removeContact', { n: i + 1 })}
            </button>
          </fieldset>
        ))}
        <div>
          <button
            type="button"
            className="button button-small"
            onClick={() =>
              set('contacts', [
                ...d.contacts,
                { key: ++contactKeys, name: '', role: '', phone: '', email: '' },
              ])
            }
          >
            {t('partners.addContact')}
          </button>
        </div>
      </fieldset>

      <label className="choice choice-standalone">
        <input type="checkbox" checked={d.active} onChange={(e) => set('active', e.target.checked)} />
        <span>{t('partners.activeLabel')}</span>
      </label>

      <div className="form-actions">
        <button type="submit" className="button button-primary" aria-disabled={pending || undefined}>
          {pending ? t('partners.saving') : partner ? t('partners.save') : t('partners.add')}
        </button>
        <button type="button" className="button" onClick={() => onDone(null)}>
          {t('partners.cancel')}
        </button>
      </div>
    </form>
  );
}
