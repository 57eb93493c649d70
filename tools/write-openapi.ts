/** `npm run openapi`: regenerates apps/api-gateway/openapi.json from the gateway's routes. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gatewayOpenApi, serialiseOpenApi } from '../apps/api-gateway/src/openapi';

void gatewayOpenApi().then((doc) => {
  const file = join(__dirname, '..', '..', 'apps', 'api-gateway', 'openapi.json');
  writeFileSync(file, serialiseOpenApi(doc));
  process.stdout.write(`wrote ${file} (${Object.keys(doc.paths).length} paths)\n`);
});
