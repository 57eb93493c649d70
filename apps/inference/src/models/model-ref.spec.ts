import { followsRegistry, formatModelRef, parseModelRef, parseModelRefs } from './model-ref';

describe('model references (SHIPYARD_INFERENCE_MODELS)', () => {
  it('parses name, name:version, name@alias and name@stage:Stage, and formats them back', () => {
    const list = 'churn, fraud:3,ranker@champion,scorer@stage:Production';
    const refs = parseModelRefs(list);
    expect(refs).toEqual([{ model: 'churn' }, { model: 'fraud', version: 3 }, { model: 'ranker', alias: 'champion' }, { model: 'scorer', stage: 'Production' }]);
    expect(refs.map(formatModelRef).join(',')).toBe(list.replace(' ', ''));
    expect(refs.map(followsRegistry)).toEqual([true, false, true, true]);
    expect(parseModelRefs('')).toEqual([]);
  });

  it('refuses what cannot be served, naming the entry', () => {
    expect(() => parseModelRef('fraud:0')).toThrow(/"fraud:0": version must be a positive integer/);
    expect(() => parseModelRef('scorer@stage:Live')).toThrow(/stage must be one of/);
    expect(() => parseModelRef('bad name')).toThrow(/model name/);
    expect(() => parseModelRefs('a,a:2')).toThrow(/listed twice/);
  });
});
