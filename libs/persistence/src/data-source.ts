import { DataSource, EntityManager, EntitySchema, MixedList } from 'typeorm';

export interface ServiceDataSourceOptions {
  url: string;
  /** The service's own schema; its migrations table lives there too. */
  schema: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM's own entity list type
  entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM's own migration list type
  migrations: MixedList<Function | string>;
  poolSize?: number;
  applicationName?: string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]*$/;

/** A PostgreSQL DataSource bound to one service schema. `synchronize` is never on: migrations own the DDL. */
export function createServiceDataSource(opts: ServiceDataSourceOptions): DataSource {
  if (!SCHEMA_NAME.test(opts.schema)) throw new Error(`invalid schema name ${opts.schema}`);
  return new DataSource({
    type: 'postgres',
    url: opts.url,
    schema: opts.schema,
    entities: opts.entities,
    migrations: opts.migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    logging: false,
    applicationName: opts.applicationName ?? `shipyard-${opts.schema}`,
    extra: {
      max: opts.poolSize ?? 10,
      connectionTimeoutMillis: 5_000,
      // Keep a dead server from hanging requests forever; the pool reconnects on the next checkout.
      keepAlive: true,
    },
  });
}

/**
 * Connects (retrying while PostgreSQL is still starting), creates the schema and runs pending migrations.
 * Several replicas may start at once: a session-level advisory lock serialises the migration step.
 */
export async function initialiseDataSource(ds: DataSource, schema: string, opts: { attempts?: number; delayMs?: number; log?: (msg: string) => void } = {}): Promise<void> {
  const attempts = opts.attempts ?? 30;
  const delayMs = opts.delayMs ?? 1000;
  for (let i = 1; ; i++) {
    try {
      await ds.initialize();
      break;
    } catch (e) {
      if (i >= attempts) throw e;
      opts.log?.(`database not reachable yet (${(e as Error).message}); retry ${i}/${attempts}`);
      await new Promise((r) => setTimeout(r, delayMs));
    }
  }
  const runner = ds.createQueryRunner();
  try {
    await runner.connect();
    await runner.query('SELECT pg_advisory_lock(hashtext($1))', [`shipyard-migrate:${schema}`]);
    try {
      // CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even when the schema exists, which a
      // service running under a least-privilege role (migrated by an owner beforehand) does not have.
      const present = (await runner.query('SELECT to_regnamespace($1) IS NOT NULL AS present', [schema])) as Array<{ present: boolean }>;
      if (!present[0]?.present) await runner.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      const ran = await ds.runMigrations({ transaction: 'each' });
      for (const m of ran) opts.log?.(`migration applied: ${m.name}`);
    } finally {
      await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [`shipyard-migrate:${schema}`]);
    }
  } finally {
    await runner.release();
  }
}

/** The one way use cases open a transaction: everything inside commits together or not at all. */
export class Transactions {
  constructor(private readonly ds: DataSource) {}

  run<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(work);
  }

  /** For reads outside a transaction. */
  manager(): EntityManager {
    return this.ds.manager;
  }
}

/**
 * Runs an UPDATE/DELETE … RETURNING and gives back the rows. TypeORM's postgres driver answers those
 * statements with [rows, rowCount] instead of the rows alone.
 */
export async function queryReturning<T>(em: EntityManager, sql: string, params: unknown[] = []): Promise<T[]> {
  const result = (await em.query(sql, params)) as unknown;
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}
