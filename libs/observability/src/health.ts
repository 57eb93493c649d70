import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';

/** A named readiness probe: resolves when the dependency answers, rejects with the reason otherwise. */
export interface ReadinessProbe {
  readonly name: string;
  check(): Promise<Record<string, unknown> | void>;
}

/** Where probes enlist: the health controller asks every enlisted probe on /health/ready. */
export class ProbeRegistry {
  private readonly probes: ReadinessProbe[] = [];

  add(probe: ReadinessProbe): void {
    this.probes.push(probe);
  }

  all(): readonly ReadinessProbe[] {
    return this.probes;
  }
}

export async function runProbe(indicators: HealthIndicatorService, probe: ReadinessProbe, timeoutMs: number): Promise<HealthIndicatorResult> {
  const session = indicators.check(probe.name);
  let timer: NodeJS.Timeout | undefined;
  try {
    const detail = await Promise.race([
      probe.check(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return session.up(detail ?? {});
  } catch (e) {
    return session.down({ message: (e as Error).message });
  } finally {
    if (timer) clearTimeout(timer);
  }
}
