import { AuditEventsFilter } from '@shipyard/contracts';

/** A WHERE clause with positional parameters; `add` appends one condition and its value. */
export class SqlConditions {
  readonly params: unknown[] = [];
  private readonly conditions: string[] = [];

  /** `sql` holds one `?`, replaced by the next positional parameter. */
  add(sql: string, value: unknown): this {
    this.params.push(value);
    this.conditions.push(sql.replace('?', `$${this.params.length}`));
    return this;
  }

  /** A parameter placeholder for `value` outside the WHERE clause (LIMIT, …). */
  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  where(): string {
    return this.conditions.length ? `WHERE ${this.conditions.join(' AND ')}` : '';
  }
}

/** NATS subject wildcards to an anchored regex: `*` is exactly one token, `>` one or more tokens. */
export function subjectToRegex(subject: string): string {
  const tokens = subject.split('.').map((t) => (t === '*' ? '[^.]+' : t === '>' ? '.+' : escapeRegex(t)));
  return `^${tokens.join('\\.')}$`;
}

/** Action wildcards (`model.*`, `*.deleted`): `*` is exactly one dot-separated part. */
export function actionToRegex(action: string): string {
  return `^${action.split('.').map((t) => (t === '*' ? '[^.]+' : escapeRegex(t))).join('\\.')}$`;
}

function escapeRegex(token: string): string {
  return token.replace(/[.*+?^${}()|[\]\\-]/g, (c) => `\\${c}`);
}

/** The filters every audit read shares (list, export), as conditions on audit.events. */
export function filterConditions(q: AuditEventsFilter, into = new SqlConditions()): SqlConditions {
  if (q.aggregateId) into.add('aggregate_id = ?', q.aggregateId);
  if (q.aggregateType) into.add('aggregate_type = ?', q.aggregateType);
  if (q.subject) {
    if (/[*>]/.test(q.subject)) into.add('subject ~ ?', subjectToRegex(q.subject));
    else into.add('subject = ?', q.subject);
  }
  if (q.action) {
    if (q.action.includes('*')) into.add('action ~ ?', actionToRegex(q.action));
    else into.add('action = ?', q.action);
  }
  if (q.actor) {
    const i = q.actor.indexOf(':');
    into.add('actor_type = ?', q.actor.slice(0, i));
    into.add('actor_id = ?', q.actor.slice(i + 1));
  }
  if (q.correlationId) into.add('correlation_id = ?', q.correlationId);
  if (q.from) into.add('occurred_at >= ?', q.from);
  if (q.to) into.add('occurred_at < ?', q.to);
  return into;
}
