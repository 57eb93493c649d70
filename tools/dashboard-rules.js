'use strict';
// Turns every PromQL query of the Grafana dashboards into a recording rule, so that
// `promtool check rules` parses them all (npm run promtool:check). Grafana variables get a value
// first: $__rate_interval → 5m, $<name> → .+ (they only ever appear inside =~ matchers here).
//   node tools/dashboard-rules.js deploy/grafana/dashboards/*.json > tmp/dashboard-rules.yml
const fs = require('node:fs');
const path = require('node:path');

const rules = [];
for (const file of process.argv.slice(2)) {
  const dashboard = JSON.parse(fs.readFileSync(file, 'utf8'));
  const walk = (panels) => {
    for (const panel of panels ?? []) {
      walk(panel.panels);
      for (const target of panel.targets ?? []) {
        if (!target.expr) continue;
        const expr = target.expr.replace(/\$__rate_interval/g, '5m').replace(/\$[a-z_]+/g, '.+');
        rules.push({ record: `dashboard:${path.basename(file, '.json').replace(/-/g, '_')}:${rules.length}`, expr, where: `${file}: ${panel.title}` });
      }
    }
  };
  walk(dashboard.panels);
  if (!rules.length) throw new Error(`${file}: no queries found`);
}
// JSON is YAML: promtool reads it as a rule file.
const out = { groups: [{ name: 'dashboards', rules: rules.map(({ record, expr }) => ({ record, expr })) }] };
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
process.stderr.write(`dashboard-rules: ${rules.length} queries from ${process.argv.length - 2} dashboards\n`);
