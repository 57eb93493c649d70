import { connect, ConnectionOptions, Events, NatsConnection, Subscription } from 'nats';

export interface NatsConnectorOptions {
  servers: string;
  name: string;
  log?: (msg: string) => void;
}

/**
 * Owns the service's one NATS connection. Connecting happens in the background and retries forever:
 * a service whose broker is down still boots, serves reads, and lets its outbox grow until NATS returns.
 */
export class NatsConnector {
  private connection: NatsConnection | null = null;
  private pending: Promise<NatsConnection> | null = null;
  private closing = false;
  private up = false;
  private readonly waiters: Array<(nc: NatsConnection) => void> = [];

  constructor(private readonly opts: NatsConnectorOptions) {}

  /** Starts connecting; resolves once connected (or never, until `close`). */
  connect(): Promise<NatsConnection> {
    this.pending ??= this.connectLoop();
    return this.pending;
  }

  /** The live connection, or null while (re)connecting. */
  current(): NatsConnection | null {
    return this.connection && !this.connection.isClosed() ? this.connection : null;
  }

  /** Waits for a connection without forcing one to start. */
  ready(): Promise<NatsConnection> {
    const c = this.current();
    if (c) return Promise.resolve(c);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /**
   * A core NATS subscription, made once connected (delivery at most once; subjects a JetStream stream
   * captures reach core subscribers too). Returns what ends it, whether or not it has started yet.
   */
  subscribeWhenReady(subject: string, handle: (subject: string, data: Uint8Array) => void, onError: (e: Error) => void): () => void {
    let sub: Subscription | null = null;
    let ended = false;
    this.ready().then(
      (nc) => {
        if (!ended) sub = nc.subscribe(subject, { callback: (err, msg) => (err ? onError(err) : handle(msg.subject, msg.data)) });
      },
      () => undefined,
    );
    return () => {
      ended = true;
      sub?.unsubscribe();
    };
  }

  isConnected(): boolean {
    return this.current() !== null && this.up;
  }

  async rtt(): Promise<number> {
    const c = this.current();
    if (!c) throw new Error('not connected to NATS');
    return c.rtt();
  }

  /** Drains subscriptions and publishes in flight, then closes. */
  async close(): Promise<void> {
    this.closing = true;
    const c = this.connection;
    this.connection = null;
    if (c && !c.isClosed()) await c.drain().catch(() => c.close());
  }

  private async connectLoop(): Promise<NatsConnection> {
    const options: ConnectionOptions = {
      servers: this.opts.servers.split(',').map((s) => s.trim()),
      name: this.opts.name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      reconnectJitter: 100,
      pingInterval: 10_000,
      timeout: 5_000,
    };
    for (let attempt = 1; !this.closing; attempt++) {
      try {
        const nc = await connect(options);
        if (this.closing) {
          // close() ran while this attempt was in flight: do not leave the socket open behind it.
          await nc.close();
          break;
        }
        this.connection = nc;
        this.up = true;
        this.opts.log?.(`connected to NATS ${nc.getServer()}`);
        void this.watch(nc);
        for (const w of this.waiters.splice(0)) w(nc);
        return nc;
      } catch (e) {
        if (attempt === 1 || attempt % 20 === 0) this.opts.log?.(`NATS not reachable yet (${(e as Error).message}); retrying`);
        await new Promise((r) => setTimeout(r, Math.min(250 * attempt, 2000)));
      }
    }
    throw new Error('NATS connector closed before connecting');
  }

  private async watch(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (s.type === Events.Disconnect) {
        this.up = false;
        this.opts.log?.('NATS disconnected; reconnecting');
      }
      if (s.type === Events.Reconnect) {
        this.up = true;
        this.opts.log?.('NATS reconnected');
      }
    }
  }
}
