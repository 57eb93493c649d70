'use strict';
// Container entry point: starts the service this image was built for (SHIPYARD_SERVICE, baked in by
// deploy/Dockerfile), so CMD stays in exec form with no shell between the runtime and node.
// Run as `node -r ./tools/register-paths.js deploy/container/start.js` from /app.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const service = process.env.SHIPYARD_SERVICE ?? '';
const main = join(__dirname, '..', '..', 'dist', 'apps', service, 'src', 'main.js');

if (!/^[a-z][a-z-]*$/.test(service) || !existsSync(main)) {
  process.stderr.write(`SHIPYARD_SERVICE=${JSON.stringify(service)} names no service in this image (no ${main})\n`);
  process.exit(1);
}

require(main);
