/** What to serve: a registry model by pinned version, alias or stage; none of them = its newest READY version. */
export type Stage = 'None' | 'Staging' | 'Production' | 'Archived';
export const STAGES: readonly Stage[] = ['None', 'Staging', 'Production', 'Archived'];

export interface ModelRef {
  model: string;
  version?: number;
  alias?: string;
  stage?: Stage;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const ALIAS = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** `churn` · `fraud:3` · `ranker@champion` · `scorer@stage:Production` */
export function parseModelRef(text: string): ModelRef {
  const s = text.trim();
  const stage = /^([^@:]+)@stage:(.+)$/.exec(s);
  if (stage) {
    const value = stage[2] as Stage;
    if (!STAGES.includes(value)) throw new Error(`"${s}": stage must be one of ${STAGES.join(', ')}`);
    return { model: checkName(stage[1] ?? '', s), stage: value };
  }
  const alias = /^([^@:]+)@(.+)$/.exec(s);
  if (alias) {
    if (!ALIAS.test(alias[2] ?? '')) throw new Error(`"${s}": alias must be letters, digits, ".", "_" or "-"`);
    return { model: checkName(alias[1] ?? '', s), alias: alias[2] };
  }
  const pinned = /^([^@:]+):(.+)$/.exec(s);
  if (pinned) {
    const version = Number(pinned[2]);
    if (!Number.isInteger(version) || version < 1) throw new Error(`"${s}": version must be a positive integer`);
    return { model: checkName(pinned[1] ?? '', s), version };
  }
  return { model: checkName(s, s) };
}

function checkName(name: string, whole: string): string {
  if (!NAME.test(name)) throw new Error(`"${whole}": model name must be letters, digits, ".", "_" or "-" (at most 128)`);
  return name;
}

/** Comma-separated references, one per model name. */
export function parseModelRefs(list: string): ModelRef[] {
  const refs = list.split(',').map((p) => p.trim()).filter(Boolean).map(parseModelRef);
  const seen = new Set<string>();
  for (const r of refs) {
    if (seen.has(r.model)) throw new Error(`model "${r.model}" is listed twice`);
    seen.add(r.model);
  }
  return refs;
}

export function formatModelRef(ref: ModelRef): string {
  if (ref.version !== undefined) return `${ref.model}:${ref.version}`;
  if (ref.alias !== undefined) return `${ref.model}@${ref.alias}`;
  if (ref.stage !== undefined) return `${ref.model}@stage:${ref.stage}`;
  return ref.model;
}

/** A pinned version never moves; aliases, stages and "newest" follow the registry. */
export function followsRegistry(ref: ModelRef): boolean {
  return ref.version === undefined;
}
