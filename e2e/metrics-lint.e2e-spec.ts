import { spawnSync } from 'node:child_process';
import { ServiceName, TestStack } from '@shipyard/testing';

/**
 * Scrapes /metrics of every running service and lints it with `promtool check metrics` (the Debian
 * package prometheus; .ci/run installs it). Nothing is skipped: without promtool the test fails.
 */
const ALL: ServiceName[] = ['audit', 'registry', 'auth', 'experiments', 'inference', 'api-gateway'];

/**
 * Lint findings that are known and explained. Anything else fails the test, and so does an entry that
 * no service produces any more (so that this list only shrinks).
 */
const KNOWN_PROBLEMS: Record<string, string> = {
  'nodejs_active_handles_total non-counter metrics should not have "_total" suffix': "prom-client's default metric, a gauge named *_total upstream",
  'nodejs_active_requests_total non-counter metrics should not have "_total" suffix': "prom-client's default metric, a gauge named *_total upstream",
  'nodejs_active_resources_total non-counter metrics should not have "_total" suffix': "prom-client's default metric, a gauge named *_total upstream",
};
const seenKnown = new Set<string>();

function promtool(args: string[], input?: string) {
  return spawnSync('promtool', args, { input, encoding: 'utf8' });
}

describe('metrics exposition passes promtool check metrics (processes)', () => {
  let stack: TestStack;

  beforeAll(async () => {
    const version = promtool(['--version']);
    if (version.error || version.status !== 0) {
      throw new Error(`promtool is required by this test and was not found or failed (${version.error?.message ?? version.stderr}); install it with \`apt-get install -y prometheus\` (.ci/run does)`);
    }
    stack = await TestStack.start({ services: ALL });
    // One request through the gateway, so that the latency histograms have labelled series to expose.
    await fetch(`${stack.url('api-gateway')}/api/v1/models?limit=1`);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it.each(ALL)('%s: /metrics is valid exposition format with no lint problems', async (service) => {
    const res = await fetch(`${stack.url(service)}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const body = await res.text();
    expect(body).toContain('shipyard_http_request_duration_seconds_bucket');
    const check = promtool(['check', 'metrics'], body);
    // Exit 0: clean; 3: lint problems, one line each ("<metric> <problem>"); anything else: unparsable.
    const problems = `${check.stdout}${check.stderr}`.split('\n').map((l) => l.trim()).filter(Boolean);
    expect({ service, status: check.status === 3 ? 'lint problems' : check.status }).toEqual({ service, status: problems.length ? 'lint problems' : 0 });
    problems.filter((p) => KNOWN_PROBLEMS[p]).forEach((p) => seenKnown.add(p));
    expect({ service, unexpected: problems.filter((p) => !KNOWN_PROBLEMS[p]) }).toEqual({ service, unexpected: [] });
    // Every sample carries the service's own `service` label (dashboards and alerts group by it).
    const unlabelled = body.split('\n').filter((l) => l && !l.startsWith('#') && !l.includes(`service="${service}"`));
    expect({ service, unlabelled }).toEqual({ service, unlabelled: [] });
  });

  it('every known lint problem still occurs (fixed ones must leave KNOWN_PROBLEMS)', () => {
    expect(Object.keys(KNOWN_PROBLEMS).filter((p) => !seenKnown.has(p))).toEqual([]);
  });
});
