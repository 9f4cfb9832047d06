import { Locale, PAIRING_CODE_MINUTES, PairWallBody } from '@korgon/domain';
import type { TFunction } from 'i18next';
import { type FormEvent, useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { TextField } from '../../components/field';
import { SignedOutPage } from '../../components/signed-out-page';
import { rememberLocale } from '../../i18n/language';
import { ApiError } from '../../lib/api';
import { selectNotice, useAuthStore } from '../../lib/auth-store';
import { describeError } from '../../lib/describe-error';
import { replaceRoute } from '../../lib/route';
import { wallApi } from '../../lib/wall-api';
import { markWallScreen } from './wall-device';

type Problem = { kind: 'format' } | { kind: 'failed'; error: unknown };

function failureText(error: unknown, t: TFunction): string {
  if (error instanceof ApiError) {
    if (error.code === 'invalid_pairing_code') return t('wall.pair.wrongCode');
    if (error.code === 'pairing_code_expired')
      return t('wall.pair.expiredCode', { minutes: PAIRING_CODE_MINUTES });
  }
  return describeError(error, t);
}

/**
 * A screen that is not (or no longer) a paired wall display: the code from the administrator's link is
 * filled in, or typed here. Pairing signs the screen in as the display (a read-only session).
 */
export function WallPairPage({ code: linked, lang }: { code: string; lang: string | null }) {
  const { t, i18n } = useTranslation();
  const notice = useAuthStore(selectNotice);
  const signedInAs = useAuthStore((s) => s.signedInAs);
  const id = useId();
  const [code, setCode] = useState(linked);
  const [pending, setPending] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);

  // The link carries the language the administrator chose for the screen.
  useEffect(() => {
    const locale = Locale.safeParse(lang);
    if (locale.success && i18n.language !== locale.data) {
      rememberLocale(locale.data);
      void i18n.changeLanguage(locale.data);
    }
  }, [lang, i18n]);

  useEffect(() => {
    if (problem) document.getElementById(`${id}-code`)?.focus();
  }, [problem, id]);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (pending) return;
    const parsed = PairWallBody.safeParse({ code });
    if (!parsed.success) {
      setProblem({ kind: 'format' });
      return;
    }
    setPending(true);
    setProblem(null);
    try {
      const me = await wallApi.pair(parsed.data.code);
      markWallScreen(true);
      replaceRoute('wall');
      signedInAs(me);
    } catch (error) {
      setProblem({ kind: 'failed', error });
      setPending(false);
    }
  }

  function staffSignIn() {
    markWallScreen(false);
    if (window.location.hash) window.location.hash = '';
  }

  const fieldError = problem?.kind === 'format' ? t('wall.pair.codeFormat') : undefined;

  return (
    <SignedOutPage title={t('wall.pair.heading')} cardTestId="wall-pairing">
      <h1>{t('wall.pair.heading')}</h1>
      <p className="lead">{t('wall.pair.intro')}</p>
      {notice === 'session-ended' && (
        <p className="alert alert-warning" role="alert">
          {t('wall.pair.ended')}
        </p>
      )}
      <form className="form sign-in-form" noValidate onSubmit={onSubmit}>
        {problem?.kind === 'failed' && (
          <div className="alert alert-error" role="alert">
            <p>{failureText(problem.error, t)}</p>
          </div>
        )}
        <TextField
          id={`${id}-code`}
          label={t('wall.pair.code')}
          hint={t('wall.pair.codeHint')}
          className="mono wall-code-input"
          autoComplete="off"
          autoCapitalize="characters"
          autoCorrect="off"
          spellCheck={false}
          maxLength={32}
          value={code}
          onChange={(e) => setCode(e.target.value)}
          error={fieldError}
        />
        <button type="submit" className="button button-primary" aria-disabled={pending || undefined}>
          {pending ? t('wall.pair.pending') : t('wall.pair.submit')}
        </button>
      </form>
      <p className="wall-pair-staff">
        <button type="button" className="link-button" onClick={staffSignIn}>
          {t('wall.pair.staffSignIn')}
        </button>
      </p>
    </SignedOutPage>
  );
}
