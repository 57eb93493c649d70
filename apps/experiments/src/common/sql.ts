import { EntityManager, QueryFailedError } from 'typeorm';

/** True when PostgreSQL refused a row because of the named unique index or constraint. */
export function isUniqueViolation(e: unknown, constraint: string): boolean {
  if (!(e instanceof QueryFailedError)) return false;
  const driverError = e.driverError as { code?: string; constraint?: string };
  return driverError.code === '23505' && driverError.constraint === constraint;
}

/** Typed raw query: the repositories own their SQL and say what rows come back. */
export async function rows<T>(em: EntityManager, sql: string, params: unknown[] = []): Promise<T[]> {
  return em.query<T[]>(sql, params);
}

/** pg returns bigint as a string; epoch milliseconds and steps fit a double exactly. */
export function num(v: string | number | null): number | null {
  return v === null ? null : Number(v);
}
