/**
 * Which IP addresses calsync may connect to when private targets are not allowed: global unicast only.
 *
 * Classification is ipaddr.js's (a maintained table of the IANA special-purpose registries), not a
 * hand-written list. It reads every spelling an attacker may use — `::ffff:7f00:1`, `0x7f.1`,
 * `2130706433`, `017700000001`, zone ids — and names every special range. Anything that is not plain
 * `unicast` is refused, including the ranges that embed or tunnel to an IPv4 address (IPv4-mapped,
 * NAT64 `64:ff9b::/96` and `64:ff9b:1::/48`, SIIT, 6to4, Teredo): whatever they carry, they are not a
 * server's ordinary public address. ipaddr.js calls the deprecated IPv4-compatible `::a.b.c.d` block
 * (`::/96`) unicast; it is refused here as well.
 */
import ipaddr from 'ipaddr.js';

/** ipaddr.js's range name for `ip` ('unicast' for ordinary public addresses), or undefined when it is no IP address. */
export function addressRange(ip: string): string | undefined {
  const bare = ip.replace(/^\[|\]$/g, '');
  if (!ipaddr.isValid(bare)) return undefined;
  const parsed = ipaddr.parse(bare);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).parts.slice(0, 6).every((part) => part === 0)) return 'ipv4Compatible';
  return parsed.range();
}

/** True for an ordinary global unicast address: the only kind a guarded connection may reach. */
export function isPublicAddress(ip: string): boolean {
  return addressRange(ip) === 'unicast';
}

/** True for an IP address (any spelling) that is not global unicast; false for host names. */
export function isPrivateAddress(ip: string): boolean {
  const range = addressRange(ip);
  return range !== undefined && range !== 'unicast';
}

/**
 * A host on this machine (by name or loopback address, IPv4-mapped included). Used to skip compression
 * (the bytes never cross a network) and to accept plain http for the emulator; never to allow a target.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (!ipaddr.isValid(host)) return false;
  const parsed = ipaddr.process(host);
  return parsed.range() === 'loopback';
}
