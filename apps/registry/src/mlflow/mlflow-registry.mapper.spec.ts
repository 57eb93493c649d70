import { fromMlflowTags, toMlflowTags, withTag } from './mlflow-registry.mapper';

describe('MLflow tags over registry tags', () => {
  it('carries key/value pairs as key:value strings, an empty value as the bare key', () => {
    expect(fromMlflowTags([{ key: 'task', value: 'a:b' }, { key: 'flag', value: '' }])).toEqual(['task:a:b', 'flag']);
    expect(toMlflowTags(['task:a:b', 'flag'])).toEqual([{ key: 'task', value: 'a:b' }, { key: 'flag', value: '' }]);
  });

  it('sets one tag (replacing its old value, keeping the others in order) and removes one', () => {
    expect(withTag(['a:1', 'task:old', 'flag'], 'task', 'new')).toEqual(['a:1', 'flag', 'task:new']);
    expect(withTag(['a:1', 'flag'], 'flag', 'on')).toEqual(['a:1', 'flag:on']);
    expect(withTag(['a:1', 'flag', 'task:x'], 'flag', null)).toEqual(['a:1', 'task:x']);
    expect(withTag(['a:1'], 'missing', null)).toEqual(['a:1']);
    // a key that is a prefix of another is a different tag
    expect(withTag(['task:x', 'tasks:y'], 'task', null)).toEqual(['tasks:y']);
  });
});
