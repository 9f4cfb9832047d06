import { useEffect, useId, useState } from 'react';
import { createPortal } from 'react-dom';
import { useTranslation } from 'react-i18next';

/**
 * The recovery codes, shown this once (the server keeps only their hashes): copy or print them, and say they
 * are saved before going on. The print sheet holds the codes and the account's username, nothing else.
 */
export function RecoveryCodesShownOnce({
  codes,
  username,
  continueLabel,
  heading: Heading,
  onDone,
}: {
  codes: string[];
  username: string;
  continueLabel: string;
  heading: 'h1' | 'h3';
  onDone(): void;
}) {
  const { t } = useTranslation();
  const id = useId();
  const [saved, setSaved] = useState(false);
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  const [notSaved, setNotSaved] = useState(false);

  useEffect(() => {
    document.getElementById(`${id}-h`)?.focus();
  }, [id]);

  async function copy() {
    try {
      await navigator.clipboard.writeText(codes.join('\n'));
      setCopied('yes');
    } catch {
      // No clipboard (an insecure page, or refused): the list is selected for Ctrl+C instead.
      const list = document.getElementById(`${id}-codes`);
      const selection = window.getSelection();
      if (list && selection) {
        selection.selectAllChildren(list);
      }
      setCopied('no');
    }
  }

  return (
    <section className="recovery-codes" aria-labelledby={`${id}-h`} data-testid="recovery-codes">
      <Heading id={`${id}-h`} tabIndex={-1}>
        {t('secondFactor.codesTitle')}
      </Heading>
      <p>
        <strong>{t('secondFactor.codesOnce')}</strong> {t('secondFactor.codesHowTo')}
      </p>
      <ol id={`${id}-codes`} className="recovery-code-list mono">
        {codes.map((c) => (
          <li key={c} data-testid="recovery-code">
            {c}
          </li>
        ))}
      </ol>
      <div className="form-actions">
        <button type="button" className="button" onClick={() => void copy()}>
          {t('secondFactor.copy')}
        </button>
        <button type="button" className="button" onClick={() => window.print()}>
          {t('secondFactor.print')}
        </button>
        <p className="form-status" role="status">
          {copied === 'yes'
            ? t('secondFactor.copied')
            : copied === 'no'
              ? t('secondFactor.copyManually')
              : ''}
        </p>
      </div>
      <div className={notSaved ? 'field field-invalid' : 'field'}>
        <label className="choice choice-standalone">
          <input
            type="checkbox"
            checked={saved}
            aria-invalid={notSaved || undefined}
            aria-describedby={notSaved ? `${id}-not-saved` : undefined}
            onChange={(e) => {
              setSaved(e.target.checked);
              if (e.target.checked) setNotSaved(false);
            }}
          />
          <span>{t('secondFactor.saved')}</span>
        </label>
        {notSaved && (
          <p id={`${id}-not-saved`} className="field-error">
            {t('secondFactor.savedFirst')}
          </p>
        )}
      </div>
      <button
        type="button"
        className="button button-primary"
        onClick={() => {
          if (saved) onDone();
          else setNotSaved(true);
        }}
      >
        {continueLabel}
      </button>
      {createPortal(
        <div className="print-sheet" data-testid="recovery-codes-print">
          <h2>{t('secondFactor.printTitle', { username })}</h2>
          <ol className="mono">
            {codes.map((c) => (
              <li key={c}>{c}</li>
            ))}
          </ol>
        </div>,
        document.body,
      )}
    </section>
  );
}
