import { ConsultationData } from '@korgon/domain';
import { describe, expect, it } from 'vitest';
import { normalizeTime } from '../lib/format';
import { type Draft, differingFields, fieldOfIssue, getField, sameDraft, setField } from './fields';

const draft = (data: unknown, notes = ''): Draft => ({
  data: ConsultationData.parse(data),
  secret: { notes, codeWord: '', ifCallDrops: '' },
});

describe('consultation fields', () => {
  it('sets and clears nested fields without touching the others', () => {
    const d = setField(draft({ survivor: { gender: 'female' } }), 'survivor.region', 'KG-C');
    expect(d.data.survivor).toEqual({ gender: 'female', region: 'KG-C' });
    expect(setField(d, 'survivor.region', '').data.survivor).toEqual({ gender: 'female' });
    expect(getField(setField(d, 'secret.notes', 'x'), 'secret.notes')).toBe('x');
  });

  it('compares lists as sets and a missing text as empty', () => {
    const a = draft({ violenceForms: ['physical', 'economic'], safetyPlan: { call_102: true } });
    const b = draft({
      violenceForms: ['economic', 'physical'],
      safetyPlan: { call_102: true, exit_room: false },
    });
    expect(sameDraft(a, b)).toBe(true);
    expect(differingFields(a, setField(b, 'secret.notes', 'n')).map((f) => f.path)).toEqual(['secret.notes']);
  });

  it('maps the server’s issue paths to the form’s fields', () => {
    expect(fieldOfIssue('data.survivor.region')?.path).toBe('survivor.region');
    expect(fieldOfIssue('data.violenceForms.0')?.path).toBe('violenceForms');
    expect(fieldOfIssue('data.safetyPlan.teleport')?.path).toBe('safetyPlan');
    expect(fieldOfIssue('data.nothing')).toBeUndefined();
  });

  it('reads times the way operators type them, 24-hour', () => {
    expect(normalizeTime('1830')).toBe('18:30');
    expect(normalizeTime('8.05')).toBe('08:05');
    expect(normalizeTime('')).toBe('');
    expect(normalizeTime('24:00')).toBeNull();
    expect(normalizeTime('18:3')).toBeNull();
  });
});
