/** `npm run -s keys:generate` (-s: without npm's banner on stdout): prints a value for SHIPYARD_JWT_PRIVATE_KEYS (one new Ed25519 signing key). */
import { generateSigningJwk } from '../apps/auth/src/keys/signing-keys';

void generateSigningJwk().then((jwk) => {
  process.stdout.write(`${JSON.stringify([jwk])}\n`);
  process.stderr.write('Rollover: put the new key first and keep the old one second until tokens it signed have expired.\n');
});
