import { MlflowInvalidParameter } from '@shipyard/service-kit';
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

  it('refuses a key holding ":" (it would come back as another key and value) or an empty key, wherever tags come in', () => {
    expect(() => fromMlflowTags([{ key: 'ok', value: '1' }, { key: 'a:b', value: 'x' }])).toThrow(new MlflowInvalidParameter(`Invalid value "a:b" for parameter 'key' supplied: registry tag keys cannot contain ':'`));
    expect(() => fromMlflowTags([{ key: '', value: 'x' }])).toThrow(`Invalid value "" for parameter 'key' supplied: a registry tag key cannot be empty`);
    expect(() => withTag(['a:1'], 'a:b', 'x')).toThrow(MlflowInvalidParameter);
  });
});
