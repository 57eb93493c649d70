import { DatabaseError } from 'pg';
import { QueryFailedError } from 'typeorm';

/** What a PostgreSQL refusal of client input tells the operator (never the client): where validation is missing. */
export interface DatabaseInputWarning {
  sqlState: string;
  constraint?: string;
  table?: string;
}

export interface DatabaseInputError {
  /** Safe to show: says what was wrong, names no SQL, table, constraint or value. */
  message: string;
  warning: DatabaseInputWarning;
}

const MESSAGES: Readonly<Record<string, string>> = {
  '22021': 'a value holds a NUL character (\\u0000) or bytes that are not valid UTF-8',
  '22P05': 'a value holds a NUL character (\\u0000) or bytes that are not valid UTF-8',
  '22P02': 'a value is not in the form its field requires (an id, a number, a date…)',
  '22003': 'a number is out of range',
  '22001': 'a value is too long',
  '22007': 'a date or time is not valid or out of range',
  '22008': 'a date or time is not valid or out of range',
  '23514': 'a value is outside what its field allows',
};

/** pg's error, bare or wrapped by TypeORM (duck-typed too: a second copy of pg would fail instanceof). */
function pgErrorOf(e: unknown): DatabaseError | null {
  const driver = e instanceof QueryFailedError ? (e.driverError as unknown) : e;
  if (driver instanceof DatabaseError) return driver;
  const d = driver as Partial<DatabaseError> | null;
  return driver instanceof Error && typeof d?.code === 'string' && /^[0-9A-Z]{5}$/.test(d.code) && typeof d.severity === 'string' ? (driver as DatabaseError) : null;
}

/**
 * A PostgreSQL refusal that only client input can cause: a data exception (SQLSTATE class 22: NUL
 * bytes, malformed ids, numbers out of range, over-long strings, bad dates) or a check constraint
 * (23514). Request validation should have caught it first; this is the safety net. Null otherwise.
 */
export function databaseInputError(e: unknown): DatabaseInputError | null {
  const pg = pgErrorOf(e);
  const sqlState = pg?.code;
  if (!pg || !sqlState || !(sqlState.startsWith('22') || sqlState === '23514')) return null;
  return {
    message: `invalid input: ${MESSAGES[sqlState] ?? 'a value is not valid for its field'}`,
    warning: { sqlState, ...(pg.constraint ? { constraint: pg.constraint } : {}), ...(pg.table ? { table: pg.table } : {}) },
  };
}

/** SQLSTATEs that mean the database is not there to answer: connection exceptions, too many connections, shutting down or starting. */
const UNAVAILABLE_STATE = /^(08[0-9A-Z]{3}|53300|57P0[1-3])$/;
/** What node and pg-pool raise when the server cannot be reached, stops mid-query or cannot hand out a connection in time. */
const UNAVAILABLE_SYSCALL = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);
const UNAVAILABLE_MESSAGE = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection terminated due to connection timeout)/;

/**
 * The database (or the connection to it) is down, restarting, out of connections or unreachable: not
 * the request's fault, and worth a retry shortly (503) rather than an internal error (500).
 */
export function databaseUnavailable(e: unknown): boolean {
  const candidates = [e, e instanceof QueryFailedError ? (e.driverError as unknown) : null];
  return candidates.some((c) => {
    // Duck-typed: errors raised inside node's own modules may come from another realm (jest's vm).
    if (typeof c !== 'object' || c === null) return false;
    const { code, message } = c as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (UNAVAILABLE_STATE.test(code) || UNAVAILABLE_SYSCALL.has(code))) return true;
    return typeof message === 'string' && UNAVAILABLE_MESSAGE.test(message);
  });
}
