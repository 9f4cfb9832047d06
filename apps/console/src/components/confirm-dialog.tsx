import { type ReactNode, useEffect, useId, useRef } from 'react';

/**
 * A modal question with two answers, on the platform's <dialog>: focus moves into it and stays there, Escape
 * cancels, and focus returns to where it was when it closes. The confirming button has focus first, so a
 * keyboard user confirms with Enter and backs out with Escape.
 */
export function ConfirmDialog({
  open,
  title,
  children,
  confirmLabel,
  cancelLabel,
  onConfirm,
  onCancel,
  testId,
}: {
  open: boolean;
  title: string;
  children?: ReactNode;
  confirmLabel: string;
  cancelLabel: string;
  onConfirm(): void;
  onCancel(): void;
  testId?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const confirm = useRef<HTMLButtonElement>(null);
  const titleId = useId();
  const textId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      const before = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      dialog.showModal();
      confirm.current?.focus();
      return () => {
        if (dialog.open) dialog.close();
        if (before?.isConnected) before.focus();
      };
    }
    return undefined;
  }, [open]);

  return (
    <dialog
      ref={ref}
      className="confirm-dialog"
      aria-labelledby={titleId}
      aria-describedby={children ? textId : undefined}
      data-testid={testId}
      onCancel={(e) => {
        e.preventDefault();
        onCancel();
      }}
    >
      <h2 id={titleId}>{title}</h2>
      {children && <div id={textId}>{children}</div>}
      <div className="form-actions">
        <button ref={confirm} type="button" className="button button-primary" onClick={onConfirm}>
          {confirmLabel}
        </button>
        <button type="button" className="button" onClick={onCancel}>
          {cancelLabel}
        </button>
      </div>
    </dialog>
  );
}
