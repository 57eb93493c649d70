// Resolves @shipyard/* imports to the compiled libraries under dist/ at run time (node -r ./tools/register-paths.js).
const path = require('node:path');
const tsconfigPaths = require('tsconfig-paths');

const dist = path.resolve(__dirname, '..', 'dist');
tsconfigPaths.register({ baseUrl: dist, paths: { '@shipyard/*': ['libs/*/src'] } });
