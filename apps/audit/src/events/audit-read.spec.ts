import { crossesAnchor } from '../chain/chain-store';
import { csvField } from '../export/export-format';
import { actionToRegex, filterConditions } from './event-filter';
import { fieldDiff } from './field-diff';

describe('fieldDiff', () => {
  it('lists changed fields with before and after, sorted, ignoring unchanged ones', () => {
    expect(fieldDiff({ tags: ['a'], name: 'x', description: 'same' }, { tags: ['a', 'b'], name: 'y', description: 'same' })).toEqual([
      { field: 'name', change: 'changed', before: 'x', after: 'y' },
      { field: 'tags', change: 'changed', before: ['a'], after: ['a', 'b'] },
    ]);
  });

  it('walks nested objects into dotted paths and ignores key order', () => {
    expect(fieldDiff({ meta: { owner: 'a', team: { id: 1, n: 'x' } } }, { meta: { team: { n: 'x', id: 2 }, owner: 'a' } })).toEqual([{ field: 'meta.team.id', change: 'changed', before: 1, after: 2 }]);
  });

  it('shows a create as added fields and a delete as removed ones', () => {
    expect(fieldDiff(null, { name: 'm' })).toEqual([{ field: 'name', change: 'added', after: 'm' }]);
    expect(fieldDiff({ name: 'm' }, null)).toEqual([{ field: 'name', change: 'removed', before: 'm' }]);
    expect(fieldDiff(null, null)).toEqual([]);
  });

  it('tells a field set to null from a field removed', () => {
    expect(fieldDiff({ description: 'd', x: 1 }, { description: null })).toEqual([
      { field: 'description', change: 'changed', before: 'd', after: null },
      { field: 'x', change: 'removed', before: 1 },
    ]);
  });
});

describe('csvField', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\rhere', '"cr\rhere"'],
    [' padded ', '" padded "'],
    ['=1+1', '=1+1'],
  ])('writes %j as %j', (input, output) => {
    expect(csvField(input)).toBe(output);
  });

  it('writes null as an empty field and numbers as they are', () => {
    expect(csvField(null)).toBe('');
    expect(csvField(42)).toBe('42');
  });
});

describe('filters', () => {
  it('turns action wildcards into one-part matches', () => {
    const re = new RegExp(actionToRegex('model.*'));
    expect(re.test('model.created')).toBe(true);
    expect(re.test('model_version.created')).toBe(false);
    expect(re.test('model.version.created')).toBe(false);
    expect(new RegExp(actionToRegex('*.deleted')).test('api_key.deleted')).toBe(true);
  });

  it('numbers parameters in order and splits the actor', () => {
    const c = filterConditions({ actor: 'api_key:k:1', subject: 'shipyard.registry.>', from: '2026-01-01T00:00:00Z' });
    expect(c.where()).toBe('WHERE subject ~ $1 AND actor_type = $2 AND actor_id = $3 AND occurred_at >= $4');
    expect(c.params).toEqual(['^shipyard\\.registry\\..+$', 'api_key', 'k:1', '2026-01-01T00:00:00Z']);
    expect(c.param(10)).toBe('$5');
  });
});

describe('crossesAnchor', () => {
  it('is true when a batch passes or lands on a multiple', () => {
    expect(crossesAnchor(0, 999, 1000)).toBe(false);
    expect(crossesAnchor(0, 1000, 1000)).toBe(true);
    expect(crossesAnchor(999, 1500, 1000)).toBe(true);
    expect(crossesAnchor(1000, 1999, 1000)).toBe(false);
    expect(crossesAnchor(5, 6, 1)).toBe(true);
  });
});
