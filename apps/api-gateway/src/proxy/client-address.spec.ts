import Fastify from 'fastify';
import { loadGatewayConfig } from '../config';
import { clientAddress, proxyTrust, trustProxyField, TrustProxySetting } from './client-address';

const parse = (value: string) => trustProxyField.safeParse(value);

describe('SHIPYARD_TRUST_PROXY', () => {
  it('defaults to false: X-Forwarded-For is nobody’s to set', () => {
    expect(loadGatewayConfig({}).SHIPYARD_TRUST_PROXY).toBe(false);
    expect(proxyTrust(false)).toBe(false);
  });

  it('takes false, a hop count, or addresses, CIDRs and proxy-addr’s range names', () => {
    expect(parse('false').data).toBe(false);
    expect(parse('0').data).toBe(false);
    expect(parse('1').data).toBe(1);
    expect(parse(' 2 ').data).toBe(2);
    expect(parse('10.0.0.0/8, 192.0.2.7,2001:db8::/32,uniquelocal').data).toEqual(['10.0.0.0/8', '192.0.2.7', '2001:db8::/32', 'uniquelocal']);
  });

  it.each(['true', 'yes', '10.0.0.0/33', '2001:db8::/129', 'proxy.internal', '10.0.0.0/8,', '10.0.0/8', '1/2/3', '33', '-1', '1.5'])('refuses %j at boot, naming the variable', (value) => {
    expect(parse(value).success).toBe(false);
    expect(() => loadGatewayConfig({ SHIPYARD_TRUST_PROXY: value })).toThrow(/SHIPYARD_TRUST_PROXY/);
  });

  it('explains why true is refused', () => {
    const issue = parse('true').error?.issues[0];
    expect(issue?.message).toMatch(/every client choose its own IP/);
  });
});

describe('clientAddress', () => {
  const spoofed = '203.0.113.66, 198.51.100.1';

  it('is the socket peer when no proxy is trusted, whatever the client claims', () => {
    expect(clientAddress('192.0.2.10', spoofed, false)).toBe('192.0.2.10');
    expect(clientAddress('192.0.2.10', undefined, proxyTrust(1))).toBe('192.0.2.10');
  });

  it('with n hops, takes the n-th entry from the right (the address the outermost trusted proxy saw)', () => {
    expect(clientAddress('10.0.0.2', spoofed, proxyTrust(1))).toBe('198.51.100.1');
    expect(clientAddress('10.0.0.2', spoofed, proxyTrust(2))).toBe('203.0.113.66');
    expect(clientAddress('10.0.0.2', spoofed, proxyTrust(5))).toBe('203.0.113.66'); // fewer entries than hops: the left-most
  });

  it('with CIDRs, walks right to left past trusted proxies only', () => {
    const trust = proxyTrust(['10.0.0.0/8', 'loopback']);
    expect(clientAddress('10.0.0.2', '203.0.113.66, 10.1.1.1', trust)).toBe('203.0.113.66');
    expect(clientAddress('10.0.0.2', '10.9.9.9, 198.51.100.1', trust)).toBe('198.51.100.1'); // the left entry is the client's claim
    expect(clientAddress('192.0.2.10', spoofed, trust)).toBe('192.0.2.10'); // not from a proxy: the header is ignored
    expect(clientAddress('::ffff:10.0.0.2', '198.51.100.1', trust)).toBe('198.51.100.1'); // a dual-stack socket's IPv4 peer
    expect(clientAddress('10.0.0.2', 'not-an-ip, 10.1.1.1', trust)).toBe('not-an-ip');
  });

  /** Compares with fastify's own `req.ip` for the same trust function (what the Nest routes see). */
  it.each<[TrustProxySetting, string, string | undefined]>([
    [false, '127.0.0.1', spoofed],
    [1, '127.0.0.1', spoofed],
    [2, '127.0.0.1', '  203.0.113.66 ,, 198.51.100.1 , 192.0.2.1'],
    [3, '127.0.0.1', ''],
    [['127.0.0.0/8', '198.51.100.0/24'], '127.0.0.1', spoofed],
    [['127.0.0.0/8'], '127.0.0.1', '127.0.0.9, 127.0.0.5'],
    [['10.0.0.0/8'], '127.0.0.1', spoofed],
    [['uniquelocal'], '10.1.2.3', '203.0.113.66,\t192.168.1.1'],
  ])('agrees with fastify’s req.ip (trust %j, peer %s, X-Forwarded-For %j)', async (setting, peer, xff) => {
    const trust = proxyTrust(setting);
    const app = Fastify({ trustProxy: trust === false ? false : trust });
    app.get('/', (req) => ({ ip: req.ip }));
    const res = await app.inject({ method: 'GET', url: '/', remoteAddress: peer, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } });
    expect(res.json<{ ip: string }>().ip).toBe(clientAddress(peer, xff, trust));
    await app.close();
  });
});
