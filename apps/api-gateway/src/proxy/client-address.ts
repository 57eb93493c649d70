import { BlockList, isIP } from 'node:net';
import { z } from 'zod';

/**
 * SHIPYARD_TRUST_PROXY, parsed: `false` (clients connect directly: X-Forwarded-For is ignored), a
 * number of proxy hops in front of the gateway, or the addresses/CIDRs of those proxies.
 */
export type TrustProxySetting = false | number | readonly string[];

/** Whether the peer at `hop` (0: the socket's, then X-Forwarded-For right to left) is a proxy whose header to believe. */
export type ProxyTrust = (address: string, hop: number) => boolean;

/** proxy-addr's names, which fastify also accepts. */
const NAMED_RANGES: Readonly<Record<string, readonly string[]>> = {
  loopback: ['127.0.0.0/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

/** `10.0.0.0/8`, `192.0.2.7`, `2001:db8::/32`: null when it is none of these. */
function parseCidr(entry: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | null {
  const [address = '', prefixText, ...rest] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return null;
  const bits = version === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return null;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  return prefix <= bits ? { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' } : null;
}

/** The config field: `false` (default), a hop count, or comma-separated addresses, CIDRs and proxy-addr's range names. */
export const trustProxyField = z
  .string()
  .trim()
  .transform((value, ctx): TrustProxySetting => {
    if (value === 'false' || value === '0') return false;
    if (/^\d+$/.test(value)) {
      const hops = Number(value);
      if (hops <= 32) return hops;
      ctx.addIssue({ code: 'custom', message: 'a hop count is at most 32' });
      return z.NEVER;
    }
    const entries = value.split(',').map((e) => e.trim());
    const bad = entries.filter((e) => !(e in NAMED_RANGES) && parseCidr(e) === null);
    if (value === 'true' || bad.length > 0) {
      const which = value === 'true' ? 'true would let every client choose its own IP' : `not an address or CIDR: ${bad.map((b) => JSON.stringify(b)).join(', ')}`;
      ctx.addIssue({ code: 'custom', message: `must be false, a number of proxy hops, or comma-separated proxy addresses/CIDRs (${which})` });
      return z.NEVER;
    }
    return entries;
  });

/** The trust function for a setting, or false to ignore X-Forwarded-For altogether. */
export function proxyTrust(setting: TrustProxySetting): ProxyTrust | false {
  if (setting === false || setting === 0) return false;
  if (typeof setting === 'number') return (_address, hop) => hop < setting;
  const proxies = new BlockList();
  for (const entry of setting.flatMap((e) => NAMED_RANGES[e] ?? [e])) {
    const cidr = parseCidr(entry);
    if (cidr) proxies.addSubnet(cidr.address, cidr.prefix, cidr.family);
  }
  return (address) => {
    const version = isIP(address);
    // BlockList matches an IPv4-mapped IPv6 address (::ffff:10.0.0.1, a dual-stack socket's) against IPv4 ranges.
    return version !== 0 && proxies.check(address, version === 4 ? 'ipv4' : 'ipv6');
  };
}

/**
 * The client's address as fastify's `req.ip` computes it with `trustProxy: trust` (@fastify/proxy-addr):
 * walking from the socket's peer through X-Forwarded-For right to left, the first address that is not a
 * trusted proxy, else the left-most one. The inference fast path, which runs before fastify, uses it.
 */
export function clientAddress(socketAddress: string | undefined, forwardedFor: string | string[] | undefined, trust: ProxyTrust | false): string {
  const peer = socketAddress ?? '';
  if (trust === false || typeof forwardedFor !== 'string') return peer;
  const hops = [peer];
  const entries = forwardedFor.split(',');
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = (entries[i] ?? '').replace(/^[ \t]+|[ \t]+$/g, '');
    if (entry) hops.push(entry);
  }
  for (let hop = 0; hop < hops.length - 1; hop++) if (!trust(hops[hop] ?? '', hop)) return hops[hop] ?? '';
  return hops[hops.length - 1] ?? '';
}
