import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Role, UserResponse } from '@shipyard/contracts';
import { queryReturning } from '@shipyard/persistence';

export interface UserRow {
  id: string;
  email: string;
  display_name: string | null;
  password_hash: string;
  role: Role;
  disabled: boolean;
  failed_logins: number;
  locked_until: Date | null;
  created_at: Date;
  updated_at: Date;
}

export function toUserResponse(u: UserRow): UserResponse {
  return { id: u.id, email: u.email, displayName: u.display_name, role: u.role, disabled: u.disabled, createdAt: u.created_at.toISOString(), updatedAt: u.updated_at.toISOString() };
}

/** Queries over auth.users. */
@Injectable()
export class UsersRepository {
  constructor(private readonly ds: DataSource) {}

  manager(): EntityManager {
    return this.ds.manager;
  }

  async byEmail(em: EntityManager, email: string, lock = false): Promise<UserRow | null> {
    const rows = await em.query<UserRow[]>(`SELECT * FROM auth.users WHERE lower(email) = lower($1)${lock ? ' FOR UPDATE' : ''}`, [email]);
    return rows[0] ?? null;
  }

  async byId(em: EntityManager, id: string, lock = false): Promise<UserRow | null> {
    const rows = await em.query<UserRow[]>(`SELECT * FROM auth.users WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    return rows[0] ?? null;
  }

  async count(em: EntityManager = this.ds.manager): Promise<number> {
    return Number((await em.query<Array<{ n: string }>>('SELECT count(*) AS n FROM auth.users'))[0]?.n ?? 0);
  }

  async enabledAdmins(em: EntityManager): Promise<number> {
    return Number((await em.query<Array<{ n: string }>>("SELECT count(*) AS n FROM auth.users WHERE role = 'admin' AND NOT disabled"))[0]?.n ?? 0);
  }

  async insert(em: EntityManager, u: Omit<UserRow, 'failed_logins' | 'locked_until'>): Promise<UserRow> {
    const rows = await em.query<UserRow[]>(
      `INSERT INTO auth.users (id, email, display_name, password_hash, role, disabled, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
      [u.id, u.email, u.display_name, u.password_hash, u.role, u.disabled, u.created_at, u.updated_at],
    );
    return rows[0] as UserRow;
  }

  async update(em: EntityManager, id: string, set: Partial<Pick<UserRow, 'role' | 'disabled' | 'display_name' | 'password_hash' | 'failed_logins' | 'locked_until'>>): Promise<UserRow> {
    const cols = Object.keys(set) as Array<keyof typeof set>;
    const assignments = cols.map((c, i) => `${c} = $${i + 2}`);
    const rows = await queryReturning<UserRow>(em, `UPDATE auth.users SET ${[...assignments, 'updated_at = now()'].join(', ')} WHERE id = $1 RETURNING *`, [id, ...cols.map((c) => set[c])]);
    return rows[0] as UserRow;
  }

  /** Login bookkeeping does not count as a profile change: updated_at stays. */
  async recordLoginOutcome(em: EntityManager, id: string, failedLogins: number, lockedUntil: Date | null): Promise<void> {
    await em.query('UPDATE auth.users SET failed_logins = $2, locked_until = $3 WHERE id = $1', [id, failedLogins, lockedUntil]);
  }

  async page(afterId: string | null, limit: number): Promise<UserRow[]> {
    return this.ds.query<UserRow[]>(`SELECT * FROM auth.users ${afterId ? 'WHERE id > $2' : ''} ORDER BY id LIMIT $1`, afterId ? [limit, afterId] : [limit]);
  }
}
