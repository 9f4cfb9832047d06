import { useEffect, useId, useState } from 'react';

export interface ShownOnceText {
  title: string;
  once: string;
  howTo: string;
  label: string;
  copy: string;
  done: string;
  copied: string;
  copyManually: string;
}

/**
 * A secret the server shows once and keeps only sealed or hashed (a webhook secret, a one-time password):
 * focus comes here, the value can be copied (or is selected for Ctrl+C when there is no clipboard), and
 * closing it is the last chance to see it.
 */
export function ShownOnce({
  value,
  text,
  heading: Heading,
  testId,
  onClose,
}: {
  value: string;
  text: ShownOnceText;
  heading: 'h3' | 'h5';
  testId: string;
  onClose(): void;
}) {
  const id = useId();
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);

  useEffect(() => {
    document.getElementById(`${id}-h`)?.focus();
  }, [id]);

  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
      setCopied('yes');
    } catch {
      // No clipboard (an insecure page, or refused): the text is selected for Ctrl+C instead.
      const input = document.getElementById(`${id}-value`) as HTMLInputElement | null;
      input?.focus();
      input?.select();
      setCopied('no');
    }
  }

  return (
    <section className="alert alert-warning secret-once" aria-labelledby={`${id}-h`} data-testid={testId}>
      <Heading id={`${id}-h`} tabIndex={-1}>
        {text.title}
      </Heading>
      <p>
        <strong>{text.once}</strong> {text.howTo}
      </p>
      <div className="field">
        <label htmlFor={`${id}-value`}>{text.label}</label>
        <input
          id={`${id}-value`}
          className="mono secret-value"
          readOnly
          value={value}
          spellCheck={false}
          autoComplete="off"
          data-testid={`${testId}-value`}
          onFocus={(e) => e.target.select()}
        />
      </div>
      <div className="form-actions">
        <button type="button" className="button button-primary" onClick={() => void copy()}>
          {text.copy}
        </button>
        <button type="button" className="button" onClick={onClose}>
          {text.done}
        </button>
        <p className="form-status" role="status">
          {copied === 'yes' ? text.copied : copied === 'no' ? text.copyManually : ''}
        </p>
      </div>
    </section>
  );
}
