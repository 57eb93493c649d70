import { lockSeconds } from '../sessions/session.use-cases';
import { passwordWeakness } from './passwords';

describe('passwordWeakness', () => {
  it.each([
    ['short1!', /at least 12/],
    ['Password1234', /commonly used/],
    ['qwerty123456!', /commonly used/],
    ['aaaaaaaaaaaaaa', /distinct/],
    ['alice-is-the-best-2026', /account name/],
  ])('refuses %p', (pw, why) => {
    expect(passwordWeakness(pw, 'alice@example.com')).toMatch(why);
  });

  it.each(['correct horse battery staple', 'Tr0ub4dor&3-but-longer', 'e2e-Str0ng-Passw0rd!'])('accepts %p', (pw) => {
    expect(passwordWeakness(pw, 'alice@example.com')).toBeNull();
  });
});

describe('lockSeconds', () => {
  it('locks from the fifth consecutive failure, doubling, up to 15 minutes', () => {
    expect([1, 4, 5, 6, 7, 10, 20, 50].map(lockSeconds)).toEqual([0, 0, 1, 2, 4, 32, 900, 900]);
  });
});
