/**
 * A minimal service for shutdown-logs.int-spec.ts: the real bootstrap (shutdown hooks, drain timer)
 * and the real buffered stdout logger, one Lifecycle hook that logs in the last shutdown phase.
 * Run with ts-node; prints READY once listening.
 */
import { Injectable, Logger, Module, OnModuleInit } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { loggerParams } from '@shipyard/observability';
import { bootstrapService } from './bootstrap';
import { Lifecycle } from './lifecycle';

@Injectable()
class LastStep implements OnModuleInit {
  constructor(private readonly lifecycle: Lifecycle) {}
  onModuleInit(): void {
    this.lifecycle.onShutdown('database', 'fixture-pool', () => {
      new Logger('fixture').log('fixture: last shutdown step done');
      return Promise.resolve();
    });
  }
}

@Module({ imports: [LoggerModule.forRoot(loggerParams({ service: 'shutdown-fixture', level: 'info' }))], providers: [Lifecycle, LastStep] })
class FixtureModule {}

void bootstrapService({ service: 'shutdown-fixture', title: 'fixture', module: FixtureModule, port: 0, shutdownTimeoutMs: 60_000 }).then(() => {
  new Logger('fixture').log('fixture: a line logged before the signal');
  process.stdout.write('READY\n');
});
