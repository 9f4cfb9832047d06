import { type KeyboardEvent, type ReactNode, useEffect, useRef, useState } from 'react';
import { type FieldPath, fieldDomId } from '../../draft/fields';
import { normalizeTime } from '../../lib/format';

export interface Choice {
  value: string;
  label: string;
  /** A digit shown beside the option (its hotkey); not part of its accessible name. */
  hotkey?: string;
}

interface GroupProps {
  path: FieldPath;
  legend: string;
  hint?: string | undefined;
  error?: string | undefined;
  disabled?: boolean;
}

function Hint({ path, hint }: { path: FieldPath; hint?: string | undefined }) {
  return hint ? (
    <p id={`${fieldDomId(path)}-hint`} className="field-hint">
      {hint}
    </p>
  ) : null;
}

function ErrorText({ path, error }: { path: FieldPath; error?: string | undefined }) {
  return error ? (
    <p id={`${fieldDomId(path)}-error`} className="field-error">
      {error}
    </p>
  ) : null;
}

function describedBy(path: FieldPath, hint?: string, error?: string): string | undefined {
  const id = fieldDomId(path);
  const ids = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean);
  return ids.length ? ids.join(' ') : undefined;
}

/** Native radios: one tab stop per group, arrows move and choose. */
export function RadioGroup({
  path,
  legend,
  hint,
  error,
  choices,
  value,
  onChange,
  onKeyDown,
  wide,
  disabled,
}: GroupProps & {
  choices: readonly Choice[];
  value: string | undefined;
  onChange(value: string): void;
  onKeyDown?: (e: KeyboardEvent<HTMLFieldSetElement>) => void;
  wide?: boolean;
}) {
  const id = fieldDomId(path);
  return (
    <fieldset
      id={id}
      className={`choice-group${wide ? ' choice-group-wide' : ''}${error ? ' field-invalid' : ''}`}
      aria-describedby={describedBy(path, hint, error)}
      onKeyDown={onKeyDown}
      disabled={disabled}
    >
      <legend>{legend}</legend>
      <Hint path={path} hint={hint} />
      <div className="choices">
        {choices.map((c) => (
          <label key={c.value} className="choice">
            <input
              type="radio"
              id={`${id}--${c.value}`}
              name={id}
              value={c.value}
              checked={value === c.value}
              onChange={() => onChange(c.value)}
            />
            {c.hotkey && (
              <span className="hotkey" aria-hidden="true">
                {c.hotkey}
              </span>
            )}
            <span>{c.label}</span>
          </label>
        ))}
      </div>
      <ErrorText path={path} error={error} />
    </fieldset>
  );
}

export interface CheckGroup {
  id: string;
  legend?: string;
  choices: readonly Choice[];
}

/** Checkboxes, optionally in sub-groups each with its own legend. */
export function CheckboxGroup({
  path,
  legend,
  hint,
  error,
  groups,
  value,
  onChange,
}: GroupProps & {
  groups: readonly CheckGroup[];
  value: readonly string[];
  onChange(value: string[]): void;
}) {
  const id = fieldDomId(path);
  const toggle = (v: string, on: boolean) =>
    onChange(on ? [...value.filter((x) => x !== v), v] : value.filter((x) => x !== v));
  const boxes = (choices: readonly Choice[]) => (
    <div className="choices">
      {choices.map((c) => (
        <label key={c.value} className="choice">
          <input
            type="checkbox"
            id={`${id}--${c.value}`}
            value={c.value}
            checked={value.includes(c.value)}
            onChange={(e) => toggle(c.value, e.target.checked)}
          />
          <span>{c.label}</span>
        </label>
      ))}
    </div>
  );
  return (
    <fieldset
      id={id}
      className={`choice-group choice-group-wide${error ? ' field-invalid' : ''}`}
      aria-describedby={describedBy(path, hint, error)}
    >
      <legend>{legend}</legend>
      <Hint path={path} hint={hint} />
      {groups.map((g) =>
        g.legend ? (
          <fieldset key={g.id} className="choice-subgroup" data-testid={`group-${g.id}`}>
            <legend>{g.legend}</legend>
            {boxes(g.choices)}
          </fieldset>
        ) : (
          <div key={g.id}>{boxes(g.choices)}</div>
        ),
      )}
      <ErrorText path={path} error={error} />
    </fieldset>
  );
}

export function SelectControl({
  path,
  label,
  hint,
  error,
  choices,
  value,
  onChange,
  placeholder,
}: {
  path: FieldPath;
  label: string;
  hint?: string | undefined;
  error?: string | undefined;
  choices: readonly Choice[];
  value: string | undefined;
  onChange(value: string): void;
  placeholder: string;
}) {
  const id = fieldDomId(path);
  return (
    <div className={error ? 'field field-invalid' : 'field'}>
      <label htmlFor={id}>{label}</label>
      <Hint path={path} hint={hint} />
      <select
        id={id}
        value={value ?? ''}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(path, hint, error)}
        onChange={(e) => onChange(e.target.value)}
      >
        <option value="">{placeholder}</option>
        {choices.map((c) => (
          <option key={c.value} value={c.value}>
            {c.label}
          </option>
        ))}
      </select>
      <ErrorText path={path} error={error} />
    </div>
  );
}

export function InputControl({
  path,
  label,
  hint,
  error,
  type,
  value,
  onChange,
  autoComplete = 'off',
  maxLength,
}: {
  path: FieldPath;
  label: string;
  hint?: string | undefined;
  error?: string | undefined;
  type: 'text' | 'time' | 'date' | 'datetime-local';
  value: string;
  onChange(value: string): void;
  autoComplete?: string;
  maxLength?: number;
}) {
  const id = fieldDomId(path);
  return (
    <div className={error ? 'field field-invalid' : 'field'}>
      <label htmlFor={id}>{label}</label>
      <Hint path={path} hint={hint} />
      <input
        id={id}
        type={type}
        value={value}
        autoComplete={autoComplete}
        spellCheck={type === 'text' ? false : undefined}
        maxLength={maxLength}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(path, hint, error)}
        onChange={(e) => onChange(e.target.value)}
      />
      <ErrorText path={path} error={error} />
    </div>
  );
}

export function TextAreaControl({
  path,
  label,
  hint,
  error,
  value,
  onChange,
  rows = 4,
  maxLength,
}: {
  path: FieldPath;
  label: string;
  hint?: string | undefined;
  error?: string | undefined;
  value: string;
  onChange(value: string): void;
  rows?: number;
  maxLength: number;
}) {
  const id = fieldDomId(path);
  return (
    <div className={error ? 'field field-invalid' : 'field'}>
      <label htmlFor={id}>{label}</label>
      <Hint path={path} hint={hint} />
      <textarea
        id={id}
        value={value}
        rows={rows}
        maxLength={maxLength}
        spellCheck={false}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(path, hint, error)}
        onChange={(e) => onChange(e.target.value)}
      />
      <ErrorText path={path} error={error} />
    </div>
  );
}

export function Checkbox({
  path,
  label,
  checked,
  onChange,
  error,
}: {
  path: FieldPath;
  label: string;
  checked: boolean;
  onChange(checked: boolean): void;
  error?: string | undefined;
}) {
  const id = fieldDomId(path);
  return (
    <div className={error ? 'field field-invalid' : 'field'}>
      <label className="choice" htmlFor={id}>
        <input
          id={id}
          type="checkbox"
          checked={checked}
          aria-describedby={error ? `${id}-error` : undefined}
          onChange={(e) => onChange(e.target.checked)}
        />
        <span>{label}</span>
      </label>
      <ErrorText path={path} error={error} />
    </div>
  );
}

/** One section of the form: a landmark with a heading the skip list can focus. */
export function FormSection({
  id,
  title,
  children,
  intro,
}: {
  id: string;
  title: string;
  children: ReactNode;
  intro?: string;
}) {
  return (
    <section
      className="form-section"
      id={`sec-${id}`}
      aria-labelledby={`sec-${id}-h`}
      data-testid={`section-${id}`}
    >
      <h2 id={`sec-${id}-h`} tabIndex={-1}>
        {title}
      </h2>
      {intro && <p className="field-hint">{intro}</p>}
      <div className="section-fields">{children}</div>
    </section>
  );
}

export function focusSection(id: string): void {
  const heading = document.getElementById(`sec-${id}-h`);
  heading?.focus();
  heading?.scrollIntoView({ block: 'start' });
}

/**
 * A time of day as typed, 24-hour (as used in Kyrgyzstan), whatever the browser's own locale: the record
 * holds it only once it is a valid time, so a half-typed value never blocks saving.
 */
export function TimeControl({
  path,
  label,
  hint,
  invalidText,
  error,
  value,
  onChange,
}: {
  path: FieldPath;
  label: string;
  hint: string;
  invalidText: string;
  error?: string | undefined;
  value: string | undefined;
  onChange(value: string | undefined): void;
}) {
  const id = fieldDomId(path);
  const [text, setText] = useState(value ?? '');
  const [touched, setTouched] = useState(false);
  const emitted = useRef(value ?? '');

  // A value set elsewhere (restored, merged) replaces what is shown.
  useEffect(() => {
    if ((value ?? '') !== emitted.current) {
      emitted.current = value ?? '';
      setText(value ?? '');
    }
  }, [value]);

  const normal = normalizeTime(text);
  const shownError = error ?? (touched && normal === null ? invalidText : undefined);
  return (
    <div className={shownError ? 'field field-invalid' : 'field'}>
      <label htmlFor={id}>{label}</label>
      <Hint path={path} hint={hint} />
      <input
        id={id}
        type="text"
        inputMode="numeric"
        autoComplete="off"
        maxLength={5}
        size={6}
        className="time-input"
        value={text}
        aria-invalid={shownError ? true : undefined}
        aria-describedby={describedBy(path, hint, shownError)}
        onChange={(e) => {
          const next = e.target.value;
          setText(next);
          setTouched(false);
          const n = normalizeTime(next);
          const stored = n ? n : undefined;
          if ((stored ?? '') !== emitted.current) {
            emitted.current = stored ?? '';
            onChange(stored);
          }
        }}
        onBlur={() => {
          setTouched(true);
          if (normal) setText(normal);
        }}
      />
      <ErrorText path={path} error={shownError} />
    </div>
  );
}
