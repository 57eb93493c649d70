import { Controller, Get, OnModuleInit } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { ProbeRegistry, ReadinessProbe, runProbe } from '@shipyard/observability';
import { answerReadinessWith, isClusterWorker, peerReadiness } from './cluster';

const PROBE_TIMEOUT_MS = 2000;

/** With several processes behind one port (SHIPYARD_INFERENCE_PROCESSES): the pod is ready when each of them is. */
const otherProcesses: ReadinessProbe = {
  name: 'processes',
  check: async () => {
    const pod = await peerReadiness();
    if (!pod) return {};
    if (!pod.ready) throw new Error(pod.notReady.join('; '));
    return { running: pod.running, expected: pod.expected };
  },
};

function describe(message: unknown): string {
  return typeof message === 'string' ? message : 'down';
}

@ApiTags('health')
@Controller('health')
export class HealthController implements OnModuleInit {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly probes: ProbeRegistry,
  ) {}

  onModuleInit(): void {
    // What this process tells another one asking for the pod's readiness: its own probes.
    answerReadinessWith(async () => {
      const results = await Promise.all(this.probes.all().map((p) => runProbe(this.indicators, p, PROBE_TIMEOUT_MS)));
      const down = results.flatMap((r) => Object.entries(r).filter(([, v]) => v.status !== 'up').map(([name, v]) => `${name}: ${describe(v.message)}`));
      return down.length ? { ready: false, message: down.join('; ') } : { ready: true };
    });
  }

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process is up and its event loop answers' })
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  @Get('ready')
  @ApiOperation({ summary: 'Readiness: every dependency (PostgreSQL, NATS, S3, models) answers, in each of the service\'s processes' })
  @HealthCheck()
  ready() {
    const probes = isClusterWorker() ? [...this.probes.all(), otherProcesses] : this.probes.all();
    return this.health.check(probes.map((p) => () => runProbe(this.indicators, p, PROBE_TIMEOUT_MS)));
  }
}
