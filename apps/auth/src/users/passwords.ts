import { Inject, Injectable } from '@nestjs/common';
import * as argon2 from 'argon2';
import { AUTH_CONFIG } from '../tokens';
import type { AuthConfig } from '../config';

const COMMON = new Set(['password', 'password123', '123456789012', 'qwertyuiop12', 'letmein12345', 'administrator', 'changeme1234', 'shipyard1234', 'welcome12345', 'iloveyou1234', 'passw0rd1234', 'admin1234567']);

/** Words that, padded with digits or symbols, make the passwords attackers try first. */
const COMMON_WORDS = ['password', 'passw', 'qwerty', 'letmein', 'welcome', 'admin', 'shipyard', 'iloveyou', 'changeme', 'monkey', 'dragon'];

/** Why a password is too weak, or null. Length first (NIST 800-63B), then the obvious guesses. */
export function passwordWeakness(password: string, email: string): string | null {
  if (password.length < 12) return 'must be at least 12 characters';
  const lower = password.toLowerCase();
  const letters = lower.replace(/[^a-z]/g, '');
  if (COMMON.has(lower) || COMMON_WORDS.some((w) => letters === w || (lower.startsWith(w) && password.length < 16))) return 'is a commonly used password';
  if (new Set(password).size < 5) return 'uses too few distinct characters';
  const local = email.split('@')[0]?.toLowerCase() ?? '';
  if (local.length >= 4 && lower.includes(local)) return 'must not contain the account name';
  return null;
}

@Injectable()
export class Passwords {
  private readonly options: argon2.HashOptions & { raw: false };
  /** Verified against when the email is unknown, so both paths cost the same time. */
  private readonly dummy: Promise<string>;

  constructor(@Inject(AUTH_CONFIG) config: AuthConfig) {
    this.options = { raw: false, type: argon2.argon2id, memoryCost: config.SHIPYARD_ARGON2_MEMORY_KIB, timeCost: config.SHIPYARD_ARGON2_TIME_COST, parallelism: 1 };
    this.dummy = argon2.hash('timing-equaliser-not-a-password', this.options);
  }

  hash(password: string): Promise<string> {
    return argon2.hash(password, this.options);
  }

  async verify(hash: string | null, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash ?? (await this.dummy), password);
    } catch {
      return false;
    }
  }
}
