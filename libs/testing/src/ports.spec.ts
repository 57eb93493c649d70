import { createServer, Server } from 'node:net';
import { freePort } from './ports';

describe('freePort', () => {
  it('hands out distinct ports below the ephemeral range, from this jest worker\'s block, skipping one that is taken', async () => {
    const first = await freePort();
    // Hold the next port in the block: freePort must pass over it.
    const held: Server = createServer();
    await new Promise<void>((resolve) => held.listen(first + 1, '127.0.0.1', resolve));
    try {
      const ports = [first];
      for (let i = 0; i < 20; i++) ports.push(await freePort());
      expect(new Set(ports).size).toBe(ports.length);
      expect(ports).not.toContain(first + 1);
      const block = Number(process.env.JEST_WORKER_ID) - 1;
      for (const p of ports) {
        expect(p).toBeLessThan(32_768);
        expect(p).toBeGreaterThanOrEqual(20_000 + block * 1_500);
        expect(p).toBeLessThan(20_000 + (block + 1) * 1_500);
      }
    } finally {
      await new Promise<void>((resolve) => held.close(() => resolve()));
    }
  });
});
