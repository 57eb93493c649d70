'use strict';
// Per-service production manifests for deploy/Dockerfile, computed from the Nx project graph (the
// same graph `npm run lint` enforces module boundaries with): for each app, a package.json with only
// the npm packages its own code and the libraries it imports use, at the root's exact versions, a
// package-lock.json pruned to match (so `npm ci --omit=dev` installs exactly that), and libs.txt,
// the workspace libraries it needs at run time.
//   node tools/prune-package.js <out-dir> [service...]      (default: every app)
const fs = require('node:fs');
const path = require('node:path');
const { createProjectGraphAsync } = require('@nx/devkit');
const { createPackageJson } = require('nx/src/plugins/js/package-json/create-package-json');
const { createLockFile } = require('nx/src/plugins/js/lock-file/lock-file');
const { readFileMapCache } = require('nx/src/project-graph/nx-deps-cache');

/** What `npm run build` compiles into the image: <project>/src/**, tests excluded. */
const isProductionFile = (file, projectRoot) => file.startsWith(`${projectRoot}/src/`) && !/\.(spec|int-spec|e2e-spec)\.ts$/.test(file);

// Loaded by name at run time, so no import in the sources shows them to the graph.
const RUNTIME_HELPERS = ['npm:tsconfig-paths']; // node -r ./tools/register-paths.js (the image's CMD)

async function main() {
  const [out, ...only] = process.argv.slice(2);
  if (!out) throw new Error('usage: node tools/prune-package.js <out-dir> [service...]');
  const root = path.resolve(__dirname, '..');
  const rootPackage = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const graph = await createProjectGraphAsync({ exitOnError: true });
  // Only production files count: a library or package used by tests alone stays out of the image.
  // (The file map cached with the graph carries each file's dependencies.)
  const cached = readFileMapCache()?.fileMap.projectFileMap;
  if (!cached) throw new Error('no Nx file map cache after computing the project graph');
  const fileMap = {};
  for (const [name, files] of Object.entries(cached)) fileMap[name] = files.filter((f) => isProductionFile(f.file, graph.nodes[name]?.data.root ?? name));
  const apps = Object.values(graph.nodes).filter((n) => n.data.projectType === 'application').map((n) => n.name);
  const services = only.length ? only : apps;
  for (const service of services) {
    if (!apps.includes(service)) throw new Error(`${service} is not an application of this workspace (${apps.join(', ')})`);
    const generated = createPackageJson(service, graph, { root, isProduction: true, helperDependencies: RUNTIME_HELPERS, skipPackageManager: true }, fileMap);
    const pkg = {
      name: `shipyard-${service}`,
      version: rootPackage.version,
      private: true,
      license: rootPackage.license,
      engines: rootPackage.engines,
      dependencies: generated.dependencies ?? {},
    };
    const lock = createLockFile(pkg, graph, 'npm');
    const libs = workspaceLibs(graph, fileMap, service);
    const dir = path.join(out, service);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
    fs.writeFileSync(path.join(dir, 'package-lock.json'), lock);
    fs.writeFileSync(path.join(dir, 'libs.txt'), `${libs.join('\n')}\n`);
    process.stdout.write(`${service}: ${Object.keys(pkg.dependencies).length} packages (of ${Object.keys(rootPackage.dependencies).length}), libs ${libs.join(' ')}\n`);
  }
}

/** The workspace libraries `service` imports from production files, transitively (folders under libs/). */
function workspaceLibs(graph, fileMap, service) {
  const seen = new Set();
  const visit = (name) => {
    for (const file of fileMap[name] ?? []) {
      for (const dep of file.deps ?? []) {
        const target = Array.isArray(dep) ? dep[1] : dep;
        const node = graph.nodes[target];
        if (!node || node.data.projectType !== 'library' || seen.has(target)) continue;
        seen.add(target);
        visit(target);
      }
    }
  };
  visit(service);
  return [...seen].map((n) => path.basename(graph.nodes[n].data.root)).sort();
}

main().catch((e) => {
  process.stderr.write(`prune-package: ${e.stack ?? e}\n`);
  process.exit(1);
});
