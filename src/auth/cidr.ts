/**
 * Address matching for `auth.trustedProxies`, `webhook.deniedCidrs` and `webhook.allowedHosts` (ipaddr.js).
 * IPv4-mapped IPv6 addresses (`::ffff:169.254.169.254`) are matched as the IPv4 address they carry, so a rule
 * written for IPv4 cannot be bypassed through the IPv6 spelling.
 */
import ipaddr from 'ipaddr.js';

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** A set of CIDR ranges; a bare address is its own /32 or /128. */
export class CidrSet {
  private readonly ranges: Array<{ text: string; range: Range }>;

  /**
   * @param entries `10.0.0.0/8`, `192.0.2.7`, `fe80::/10`, ... (as validated by the config loader).
   * @throws Error naming the entry when one is neither an address nor a CIDR range.
   */
  constructor(entries: readonly string[]) {
    this.ranges = entries.map((text) => {
      const t = text.trim();
      try {
        if (t.includes('/')) {
          const [addr, bits] = ipaddr.parseCIDR(t);
          return { text: t, range: [normalise(addr), addr.kind() === 'ipv6' && normalise(addr).kind() === 'ipv4' ? Math.max(0, bits - 96) : bits] as Range };
        }
        const addr = normalise(ipaddr.parse(t));
        return { text: t, range: [addr, addr.kind() === 'ipv4' ? 32 : 128] as Range };
      } catch {
        throw new Error(`not an IP address or CIDR range: ${t}`);
      }
    });
  }

  /** The first entry (as written) containing `address`, or null; null too for something that is not an address. */
  match(address: string): string | null {
    let addr: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      addr = normalise(ipaddr.parse(address.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '')));
    } catch {
      return null;
    }
    for (const { text, range } of this.ranges) {
      if (range[0].kind() === addr.kind() && addr.match(range as never)) return text;
    }
    return null;
  }

  get size(): number {
    return this.ranges.length;
  }

  /** The entries as written. */
  get entries(): string[] {
    return this.ranges.map((r) => r.text);
  }
}

/** True when `text` is an IPv4 or IPv6 address literal (brackets allowed). */
export function isIpLiteral(text: string): boolean {
  return ipaddr.isValid(text.replace(/^\[(.*)\]$/, '$1'));
}

function normalise(addr: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  return addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() ? (addr as ipaddr.IPv6).toIPv4Address() : addr;
}
