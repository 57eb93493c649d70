import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { READINESS_PROBES, ReadinessProbe, runProbe } from '@shipyard/observability';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(READINESS_PROBES) private readonly probes: ReadinessProbe[],
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process is up and its event loop answers' })
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  @Get('ready')
  @ApiOperation({ summary: 'Readiness: every dependency (PostgreSQL, NATS, S3, models) answers' })
  @HealthCheck()
  ready() {
    return this.health.check(this.probes.map((p) => () => runProbe(this.indicators, p, 2000)));
  }
}
