import { toNestErrors, validateFieldsNatively } from '@hookform/resolvers';
import type { TFunction } from 'i18next';
import { type FormEvent, type RefObject, useCallback, useEffect, useRef, useState } from 'react';
import {
  type FieldError,
  type FieldValues,
  get,
  type Path,
  type Resolver,
  type UseFormProps,
  type UseFormReturn,
  useForm,
} from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import { serverFieldIssues } from './describe-error';
import { issueMessage } from './validation';

type Issue = z.core.$ZodIssue;
type AnySchema = z.ZodType<unknown, FieldValues>;

/** A form's own wording for some issues (undefined: the console's usual wording, lib/validation). */
export type IssueWording = (issue: Issue, t: TFunction) => string | undefined;

/** Every issue under its full path; a union's issues are those of its closest branch, under the union's path. */
function flatIssues(issues: readonly Issue[], prefix: PropertyKey[] = []): Issue[] {
  const out: Issue[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const closest = issue.errors.reduce((a, b) => (b.length < a.length ? b : a));
      out.push(...flatIssues(closest, path));
    } else out.push({ ...issue, path });
  }
  return out;
}

/**
 * The zod resolver, worded in the console's language. @hookform/resolvers' zodResolver passes on zod's own
 * messages, and a domain schema's message (English) outranks any error map given at parse time, so the
 * resolver is written here over the same parse, with @hookform/resolvers' nesting and native-validation steps.
 */
export function zodFormResolver<S extends AnySchema>(
  schema: () => S,
  word: (issue: Issue) => string,
): Resolver<z.input<S>, unknown, z.output<S>> {
  return async (values, _context, options) => {
    const parsed = await schema().safeParseAsync(values);
    if (options.shouldUseNativeValidation) validateFieldsNatively({}, options);
    if (parsed.success) return { values: parsed.data as z.output<S>, errors: {} };
    const flat: Record<string, FieldError> = {};
    for (const issue of flatIssues(parsed.error.issues)) {
      const key = issue.path.map(String).join('.');
      if (!(key in flat)) flat[key] = { type: issue.code, message: word(issue) };
    }
    return { values: {}, errors: toNestErrors(flat, options) };
  };
}

export interface ZodFormOptions<S extends AnySchema>
  extends Omit<UseFormProps<z.input<S>, unknown, z.output<S>>, 'resolver'> {
  /** Wording of this form's issues, before the usual wording. */
  wording?: IssueWording;
}

export interface SubmitOptions {
  /**
   * Field errors for a failed call, by field path; by default the server's issues (ErrorBody.issues). The
   * failure itself is kept (`failure`) for the form's summary, worded at render so it follows the language.
   */
  fieldsOf?(error: unknown): Record<string, string>;
}

export type ZodForm<S extends AnySchema> = UseFormReturn<z.input<S>, unknown, z.output<S>> & {
  /** Give to the <form> (or the element holding the fields): a failed check or call focuses its first invalid field. */
  ref: (element: HTMLElement | null) => void;
  /** The element given to `ref`. */
  root: RefObject<HTMLElement | null>;
  /** The error shown beside a field (its full path: "name.ky", "contacts.0.email"), or the first under a group's. */
  errorOf(path: string): string | undefined;
  /** Clears errors by the schema's paths, which need not be the form's own ("hours" for the hours' fields). */
  clearIssues(...paths: string[]): void;
  /** Whether any field shows an error. */
  invalid: boolean;
  /** The last call that failed, until the next submit. */
  failure: unknown;
  setFailure(error: unknown): void;
  pending: boolean;
  /**
   * An onSubmit handler: checks against the schema, then calls `onValid` with the parsed body; a throw from it
   * is a failed call. A second submit while one is under way does nothing. Nothing typed is lost either way.
   */
  submit(
    onValid: (data: z.output<S>) => Promise<void> | void,
    options?: SubmitOptions,
  ): (event?: FormEvent) => Promise<void>;
};

/**
 * react-hook-form on a domain zod schema (create-t3-turbo's `useForm({ schema })`): the schema's issues worded
 * in the current language beside their fields, the server's 4xx kept for the summary, the first invalid field
 * focused. `schema` may change between renders (a form whose rules follow its props); the latest one checks.
 */
export function useZodForm<S extends AnySchema>(schema: S, options: ZodFormOptions<S> = {}): ZodForm<S> {
  const { wording, ...formOptions } = options;
  const { t, i18n } = useTranslation();
  const latest = useRef({ schema, wording, t });
  latest.current = { schema, wording, t };
  const [resolver] = useState(() =>
    zodFormResolver(
      () => latest.current.schema,
      (issue) => latest.current.wording?.(issue, latest.current.t) ?? issueMessage(issue, latest.current.t),
    ),
  );
  const form = useForm<z.input<S>, unknown, z.output<S>>({
    ...formOptions,
    resolver,
    // The console focuses the first field marked invalid (below), whatever put the mark there.
    shouldFocusError: false,
  });
  const root = useRef<HTMLElement | null>(null);
  const ref = useCallback((element: HTMLElement | null) => {
    root.current = element;
  }, []);
  const [failure, setFailure] = useState<unknown>(null);
  const [pending, setPending] = useState(false);
  const [checks, setChecks] = useState(0);
  const busy = useRef(false);
  const { errors } = form.formState;
  const invalid = Object.keys(errors).length > 0;
  const shown = useRef(errors);
  shown.current = errors;

  useEffect(() => {
    if (checks > 0) root.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [checks]);

  // A field's message was worded when checked: checked again, it follows a change of language.
  const { trigger, getFieldState } = form;
  const language = i18n.language;
  const shownIn = useRef(language);
  useEffect(() => {
    if (shownIn.current === language) return;
    shownIn.current = language;
    const worded = flatPaths(shown.current).filter(
      (p) => getFieldState(p as Path<z.input<S>>).error?.type !== 'server',
    );
    if (worded.length > 0) void trigger(worded as Path<z.input<S>>[]);
  }, [language, trigger, getFieldState]);

  const errorOf = useCallback((path: string) => firstMessage(get(errors, path)), [errors]);

  const { handleSubmit, setError } = form;
  const submit: ZodForm<S>['submit'] = (onValid, submitOptions) => async (event) => {
    event?.preventDefault();
    if (busy.current) return;
    setFailure(null);
    let refused = false;
    await handleSubmit(
      async (data) => {
        busy.current = true;
        setPending(true);
        try {
          await onValid(data);
        } catch (error) {
          const fields = submitOptions?.fieldsOf?.(error) ?? serverFieldIssues(error);
          for (const [name, message] of Object.entries(fields))
            setError(name as Path<z.input<S>>, { type: 'server', message });
          setFailure(error);
          setChecks((n) => n + 1);
        } finally {
          busy.current = false;
          setPending(false);
        }
      },
      () => {
        refused = true;
      },
    )(event);
    // Only now are the errors published (react-hook-form calls onInvalid before), so the focus finds them.
    if (refused) setChecks((n) => n + 1);
  };

  const clearIssues = (...paths: string[]) => form.clearErrors(paths as Path<z.input<S>>[]);

  return { ...form, ref, root, errorOf, clearIssues, invalid, failure, setFailure, pending, submit };
}

/** The message at an error, or the first one under it (a group shows one message for all its parts). */
function firstMessage(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  if ('message' in error && typeof error.message === 'string') return error.message;
  for (const [key, value] of Object.entries(error)) {
    if (key === 'ref' || key === 'types') continue;
    const found = firstMessage(value);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The paths of the leaves of react-hook-form's nested errors. */
function flatPaths(errors: object, prefix = ''): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(errors)) {
    if (key === 'ref' || typeof value !== 'object' || value === null) continue;
    const path = prefix ? `${prefix}.${key}` : key;
    if ('message' in value || 'type' in value) out.push(path);
    else out.push(...flatPaths(value, path));
  }
  return out;
}
