import {
  type Answer,
  type Answers,
  assess,
  levelRank,
  type Methodology,
  type MethodologyItem,
  RiskBody,
  type RiskRecord,
} from '@korgon/domain';
import { type KeyboardEvent, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import { type DraftController, useDraft } from '../../draft/draft-controller';
import type { RiskDraft } from '../../draft/draft-storage';
import { useCurrentLocale } from '../../i18n/language';
import { describeError } from '../../lib/describe-error';
import { itemText, levelClass, levelName } from '../../lib/risk-levels';
import { useZodForm } from '../../lib/use-zod-form';
import { riskApi } from './risk-api';
import { onRiskSigned } from './risk-live';
import { SavedAssessment } from './saved-assessment';
import { useMethodology } from './use-methodology';

type Item = z.infer<typeof MethodologyItem>;
type Override = RiskDraft['override'];

const ANSWERS: readonly Answer[] = ['yes', 'no', 'unknown'];
/** While a lowered level waits for a sign-off, look again now and then in case a push was missed. */
const PENDING_POLL_MS = 20_000;

/** A raise carries over into a new assessment of the same record; a lowering is asked for again, if at all. */
function carriedOverride(saved: RiskRecord | null): Override {
  return saved?.override?.direction === 'raise'
    ? { level: saved.override.level, reason: saved.override.reason }
    : null;
}

function sameAnswers(a: Answers, b: Answers): boolean {
  const norm = (x: Answers) => JSON.stringify(Object.entries(x).sort(([p], [q]) => (p < q ? -1 : 1)));
  return norm(a) === norm(b);
}

/**
 * The assessment as RiskBody checks it, and a level the operator may choose now (a level at or above the
 * answers' minimum, other than the computed one) when the level is overridden.
 */
function riskFields(allowed: readonly string[]) {
  return RiskBody.superRefine(
    (b, ctx) => {
      if (b.override && !allowed.includes(b.override.level))
        ctx.addIssue({ code: 'custom', path: ['override', 'level'], message: 'not a level to choose now' });
    },
    // Said together with a missing reason, not after it.
    { when: (payload) => typeof payload.value === 'object' && payload.value !== null },
  );
}

const sameOverride = (a: Override, b: Override) =>
  a === b || (a !== null && b !== null && a.level === b.level && a.reason === b.reason);

/**
 * The risk assessment (docs/domain.md §5): the methodology's questionnaire, immediate dangers first; the level
 * computed live with assess() from @korgon/domain (pure) while the operator answers; the stored result is
 * the server's ("Save assessment"). Answers not saved yet are kept on this device with the draft.
 */
export function RiskPanel({ c }: { c: DraftController }) {
  const { t } = useTranslation();
  const savedRisk = useDraft(c, (s) => s.savedRisk);
  const riskDraft = useDraft(c, (s) => s.riskDraft);
  const ref = riskDraft
    ? { id: riskDraft.methodologyId, version: riskDraft.version }
    : savedRisk
      ? { id: savedRisk.methodologyId, version: savedRisk.methodologyVersion }
      : null;
  const { methodology, error, retry } = useMethodology(ref);

  // A supervisor's decision on a lowered level arrives live; a poll covers a missed push.
  const pending = savedRisk?.override?.status === 'pending_sign_off';
  useEffect(() => onRiskSigned((e) => (e.consultationId === c.id ? void c.refresh() : undefined)), [c]);
  useEffect(() => {
    if (!pending) return;
    const timer = window.setInterval(() => void c.refresh(), PENDING_POLL_MS);
    return () => window.clearInterval(timer);
  }, [pending, c]);

  if (error !== null) {
    return (
      <div className="alert alert-error" role="alert">
        <p>
          {t('risk.loadFailed')} {describeError(error, t)}
        </p>
        <button type="button" className="button button-small" onClick={retry}>
          {t('errors.retry')}
        </button>
      </div>
    );
  }
  if (!methodology) return <p className="muted">{t('risk.loading')}</p>;
  return <Questionnaire c={c} m={methodology} savedRisk={savedRisk} riskDraft={riskDraft} />;
}

function Questionnaire({
  c,
  m,
  savedRisk,
  riskDraft,
}: {
  c: DraftController;
  m: Methodology;
  savedRisk: RiskRecord | null;
  riskDraft: RiskDraft | null;
}) {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const [notOnServer, setNotOnServer] = useState(false);
  const [alreadySaved, setAlreadySaved] = useState(false);

  const answers: Answers = riskDraft?.answers ?? savedRisk?.answers ?? {};
  const override: Override = riskDraft ? riskDraft.override : carriedOverride(savedRisk);
  const result = assess(m, answers);
  const rank = (id: string) => levelRank(m, id);
  const allowed = m.levels.filter((l, i) => i >= rank(result.minimumLevel) && l.id !== result.level);
  const overrideOk = override === null || allowed.some((l) => l.id === override.level);
  const raising = override !== null && overrideOk && rank(override.level) > rank(result.level);
  const lowering = override !== null && overrideOk && rank(override.level) < rank(result.level);
  const unsaved = riskDraft !== null;
  // Once a supervisor has signed a lowered level, that stored level counts: the level shown and the
  // recommended actions follow it (until the answers change again).
  const signedLower =
    !unsaved &&
    savedRisk !== null &&
    savedRisk.override?.status === 'signed' &&
    savedRisk.override.direction === 'lower' &&
    savedRisk.methodologyId === m.id &&
    savedRisk.methodologyVersion === m.version
      ? savedRisk
      : null;
  const shownLevel = raising && override ? override.level : (signedLower?.finalLevel ?? result.level);
  const name = (id: string) => levelName(id, locale, t, m);

  // The draft owns the answers (it keeps them on this device as they change), so the form only mirrors them
  // (`values`) to check them against RiskBody and save them; it never holds a value of its own.
  const allowedIds = allowed.map((l) => l.id).join(' ');
  const schema = useMemo(() => riskFields(allowedIds.split(' ')), [allowedIds]);
  const values = useMemo(
    () => ({ methodologyId: m.id, version: m.version, answers, override }),
    [m.id, m.version, answers, override],
  );
  const form = useZodForm(schema, {
    values,
    resetOptions: { keepErrors: true },
    wording: (issue, t) =>
      issue.path[0] !== 'override'
        ? undefined
        : issue.path[1] === 'level'
          ? t('risk.override.notAllowed')
          : t('risk.override.reasonRequired'),
  });
  const saving = form.pending;
  const saveError = form.failure;
  const levelError = form.errorOf('override.level');
  const reasonError = levelError ?? form.errorOf('override.reason');
  const ordered: Item[] = [...m.items.filter((i) => i.immediate), ...m.items.filter((i) => !i.immediate)];

  function update(nextAnswers: Answers, nextOverride: Override) {
    const unchanged =
      savedRisk !== null &&
      savedRisk.methodologyId === m.id &&
      savedRisk.methodologyVersion === m.version &&
      sameAnswers(nextAnswers, savedRisk.answers) &&
      sameOverride(nextOverride, carriedOverride(savedRisk));
    c.setRiskDraft(
      unchanged
        ? null
        : { methodologyId: m.id, version: m.version, answers: nextAnswers, override: nextOverride },
    );
    form.setFailure(null);
    setNotOnServer(false);
    setAlreadySaved(false);
  }

  const answer = (id: string, a: Answer) => update({ ...answers, [id]: a }, override);

  function focusItem(item: Item | undefined) {
    if (!item) {
      document.getElementById('risk-save')?.focus();
      return;
    }
    const group = document.getElementById(`risk-item-${item.id}`);
    (
      group?.querySelector<HTMLInputElement>('input:checked') ??
      group?.querySelector<HTMLInputElement>('input')
    )?.focus();
  }

  const onItemKey = (index: number) => (e: KeyboardEvent<HTMLFieldSetElement>) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const n = ['1', '2', '3'].indexOf(e.key);
    const item = ordered[index];
    const a = ANSWERS[n];
    if (n < 0 || !item || !a) return;
    e.preventDefault();
    answer(item.id, a);
    focusItem(ordered[index + 1]);
  };

  const submit = form.submit(async (body) => {
    setNotOnServer(false);
    // An assessment belongs to a record the server has: a new consultation is saved first.
    if (c.store.getState().record === null && !(await c.flush())) {
      setNotOnServer(true);
      return;
    }
    const { record } = await riskApi.save(c.id, body);
    c.riskSaved(record);
  });

  function save() {
    if (saving) return;
    // The same answers again would store a second, identical assessment and alert the supervisors again.
    if (!unsaved && savedRisk) {
      setAlreadySaved(true);
      return;
    }
    void submit();
  }

  const protocols = [
    ...new Set(ordered.filter((i) => i.opens && answers[i.id] === 'yes').map((i) => i.opens ?? '')),
  ];

  const itemGroup = (item: Item, index: number) => {
    const id = `risk-item-${item.id}`;
    return (
      <fieldset
        key={item.id}
        id={id}
        className={`risk-item${item.redFlag ? ' risk-item-red' : ''}${answers[item.id] ? '' : ' risk-item-open'}`}
        data-testid="risk-item"
        data-item={item.id}
        onKeyDown={onItemKey(index)}
      >
        <legend>
          <span>{item.text[locale]}</span>
          {item.redFlag && <span className="badge badge-red">{t('risk.redFlag')}</span>}
          {!item.immediate && (
            <span className="risk-weight">{t('risk.weight', { weight: item.weight })}</span>
          )}
        </legend>
        <div className="choices">
          {ANSWERS.map((a, i) => (
            <label key={a} className="choice">
              <input
                type="radio"
                id={`${id}--${a}`}
                name={id}
                value={a}
                checked={answers[item.id] === a}
                onChange={() => answer(item.id, a)}
              />
              <span className="hotkey" aria-hidden="true">
                {i + 1}
              </span>
              <span>{t(`risk.answer.${a}`)}</span>
            </label>
          ))}
        </div>
      </fieldset>
    );
  };

  const immediateCount = ordered.filter((i) => i.immediate).length;

  return (
    <div ref={form.ref} className="risk-panel" data-testid="risk-panel">
      <p className="risk-methodology" data-testid="risk-methodology">
        {m.title[locale]} · {t('risk.version', { id: m.id, version: m.version })}
      </p>
      <p className="field-hint" id="risk-keys">
        {t('risk.keys')}
      </p>
      <div className="risk-layout">
        <div className="risk-items" aria-describedby="risk-keys">
          <fieldset className="risk-group risk-group-immediate" data-testid="risk-immediate">
            <legend>{t('risk.immediateTitle')}</legend>
            <p className="field-hint">{t('risk.immediateHint')}</p>
            {ordered.slice(0, immediateCount).map((item, i) => itemGroup(item, i))}
          </fieldset>
          <fieldset className="risk-group">
            <legend>{t('risk.factorsTitle')}</legend>
            {ordered.slice(immediateCount).map((item, i) => itemGroup(item, immediateCount + i))}
          </fieldset>
        </div>

        <div className="risk-result" data-testid="risk-result">
          <p
            className={`risk-level ${levelClass(shownLevel)}`}
            aria-live="polite"
            aria-atomic="true"
            data-testid="risk-level"
          >
            <span className="risk-level-name" data-level={shownLevel}>
              {t('risk.levelIs', { level: name(shownLevel) })}
            </span>{' '}
            <span className="risk-score" data-testid="risk-score">
              {t('risk.score', { score: result.score })}
            </span>
          </p>
          {raising && <p className="field-hint">{t('risk.raisedFrom', { level: name(result.level) })}</p>}
          {signedLower?.override && (
            <p className="field-hint" data-testid="risk-lowered-signed">
              {t('risk.loweredFrom', {
                level: name(result.level),
                name: signedLower.override.signedBy?.displayName ?? '',
              })}
            </p>
          )}
          {protocols.map((p) =>
            p === 'suicide' ? (
              <div key={p} className="protocol-alert" role="alert" data-testid="suicide-protocol">
                <h3>{t('risk.suicide.title')}</h3>
                <ol>
                  <li>{t('risk.suicide.ask')}</li>
                  <li>{t('risk.suicide.stay')}</li>
                  <li>{t('risk.suicide.danger')}</li>
                  <li>{t('risk.suicide.together')}</li>
                  <li>{t('risk.suicide.followUp')}</li>
                </ol>
              </div>
            ) : (
              <div key={p} className="protocol-alert" role="alert" data-testid={`protocol-${p}`}>
                <p>{t('risk.protocol', { name: p })}</p>
              </div>
            ),
          )}
          <h3>{t('risk.reasonsTitle')}</h3>
          <ul className="risk-reasons" data-testid="risk-reasons">
            {result.reasons.map((r) => {
              if (r.kind === 'score')
                return (
                  <li key="score">{t('risk.reason.score', { score: r.score, level: name(r.level) })}</li>
                );
              if (r.kind === 'floor')
                return (
                  <li key={`floor-${r.floor}`} data-testid="risk-floor">
                    {t('risk.reason.floor', {
                      level: name(r.atLeast),
                      label: r.label?.[locale] ?? t('risk.reason.floorUnnamed'),
                      items: r.items.map((id) => itemText(m, id, locale)).join('; '),
                    })}
                  </li>
                );
              return (
                <li key={`immediate-${r.item}`} className="risk-reason-immediate">
                  {t('risk.reason.immediate', { item: itemText(m, r.item, locale) })}
                </li>
              );
            })}
          </ul>
          <details className="risk-unanswered" data-testid="risk-unanswered">
            <summary>{t('risk.unanswered', { count: result.unanswered.length })}</summary>
            <ul>
              {result.unanswered.map((id) => (
                <li key={id}>{itemText(m, id, locale)}</li>
              ))}
            </ul>
          </details>
          <h3>{t('risk.actionsTitle', { level: name(shownLevel) })}</h3>
          <ul className="risk-actions" data-testid="risk-actions">
            {(raising || signedLower ? (m.actions[shownLevel] ?? []) : result.actions).map((a) => (
              <li key={a.id}>{a.text[locale]}</li>
            ))}
          </ul>
        </div>
      </div>

      <fieldset className="choice-group risk-override" data-testid="risk-override">
        <legend>{t('risk.override.legend')}</legend>
        {allowed.length === 0 ? (
          <p className="field-hint">{t('risk.override.none')}</p>
        ) : (
          <label className="choice" htmlFor="risk-override-on">
            <input
              id="risk-override-on"
              type="checkbox"
              checked={override !== null}
              onChange={(e) => {
                const up = allowed.find((l) => rank(l.id) > rank(result.level)) ?? allowed.at(-1);
                update(answers, e.target.checked && up ? { level: up.id, reason: '' } : null);
                form.clearIssues('override');
              }}
            />
            <span>{t('risk.override.toggle')}</span>
          </label>
        )}
        {override && (
          <>
            <fieldset id="risk-override-level" className="choice-group">
              <legend>
                {t('risk.override.level', { level: name(result.level), minimum: name(result.minimumLevel) })}
              </legend>
              <div className="choices">
                {allowed.map((l) => (
                  <label key={l.id} className="choice">
                    <input
                      type="radio"
                      name="risk-override-level"
                      value={l.id}
                      checked={override.level === l.id}
                      aria-invalid={levelError ? true : undefined}
                      onChange={() => update(answers, { ...override, level: l.id })}
                    />
                    <span>{name(l.id)}</span>
                  </label>
                ))}
              </div>
            </fieldset>
            {lowering && (
              <p className="alert alert-warning" data-testid="risk-lower-note">
                {t('risk.override.lowerNote')}
              </p>
            )}
            {raising && <p className="field-hint">{t('risk.override.raiseNote')}</p>}
            <div className={reasonError ? 'field field-invalid' : 'field'}>
              <label htmlFor="risk-override-reason">{t('risk.override.reason')}</label>
              <textarea
                id="risk-override-reason"
                rows={2}
                maxLength={1000}
                value={override.reason}
                aria-invalid={reasonError && !levelError ? true : undefined}
                aria-describedby={reasonError ? 'risk-override-reason-error' : undefined}
                onChange={(e) => update(answers, { ...override, reason: e.target.value })}
              />
              {reasonError && (
                <p id="risk-override-reason-error" className="field-error">
                  {reasonError}
                </p>
              )}
            </div>
          </>
        )}
      </fieldset>

      <div className="form-actions">
        <button
          id="risk-save"
          type="button"
          className="button button-primary"
          aria-disabled={saving || undefined}
          onClick={save}
        >
          {saving ? t('risk.saving') : t('risk.save')}
        </button>
        {unsaved && !saving && (
          <button
            type="button"
            className="button button-small"
            onClick={() => {
              c.setRiskDraft(null);
              form.clearIssues('override');
            }}
          >
            {t('risk.discard')}
          </button>
        )}
        <p className="form-status" role="status" data-testid="risk-save-status">
          {unsaved && !saving ? t('risk.unsaved') : alreadySaved ? t('risk.alreadySaved') : ''}
        </p>
      </div>
      {notOnServer && (
        <p className="alert alert-warning" role="alert">
          {t('risk.notOnServer')}
        </p>
      )}
      {saveError !== null && (
        <p className="alert alert-error" role="alert">
          {t('risk.saveFailed')} {describeError(saveError, t)}
        </p>
      )}
      {savedRisk && <SavedAssessment saved={savedRisk} methodology={m} />}
    </div>
  );
}
