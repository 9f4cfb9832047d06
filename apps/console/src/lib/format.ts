import type { Locale } from '@korgon/domain';

const formats = new Map<Locale, Intl.DateTimeFormat>();

/**
 * Date and time in the console's language. Some browsers (Chrome among them) carry no Kyrgyz date data
 * and would fall back to English month names; there we use the numeric form used in Kyrgyzstan, 25.11.2025, 14:05.
 */
function formatFor(locale: Locale): Intl.DateTimeFormat {
  let format = formats.get(locale);
  if (!format) {
    format =
      Intl.DateTimeFormat.supportedLocalesOf(locale).length > 0
        ? new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' })
        : new Intl.DateTimeFormat('ru-KG', { dateStyle: 'short', timeStyle: 'short' });
    formats.set(locale, format);
  }
  return format;
}

export function formatDateTime(iso: string, locale: Locale): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : formatFor(locale).format(date);
}

const dateFormats = new Map<Locale, Intl.DateTimeFormat>();

/** A date alone (25.11.2025 where the browser has no Kyrgyz data), for dates with no time of day. */
export function formatDate(isoOrDay: string, locale: Locale): string {
  const date = new Date(/^\d{4}-\d{2}-\d{2}$/.test(isoOrDay) ? `${isoOrDay}T12:00:00` : isoOrDay);
  if (Number.isNaN(date.getTime())) return isoOrDay;
  let format = dateFormats.get(locale);
  if (!format) {
    format =
      Intl.DateTimeFormat.supportedLocalesOf(locale).length > 0
        ? new Intl.DateTimeFormat(locale, { dateStyle: 'medium' })
        : new Intl.DateTimeFormat('ru-KG', { dateStyle: 'short' });
    dateFormats.set(locale, format);
  }
  return format.format(date);
}

/** "1830", "18.30", "18:30" → "18:30"; "" → ""; anything else → null (not a time). */
export function normalizeTime(text: string): string | null {
  const v = text.trim();
  if (!v) return '';
  const m = /^(\d{1,2})[:.\s]?(\d{2})$/.exec(v);
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (h > 23 || min > 59) return null;
  return `${String(h).padStart(2, '0')}:${String(min).padStart(2, '0')}`;
}
