/**
 * Where the webhook stage may connect (`webhook.allowedHosts`, `webhook.deniedCidrs`): the stage's URL is written
 * by pipeline authors and may come from expressions, so it must not become a way into the service's own network
 * (the cloud metadata address 169.254.169.254 above all).
 *
 * The check is made on the address actually connected to: an IP literal before any connection, a host name inside
 * the socket's DNS lookup (so a name that resolves to a denied address — or re-resolves to one, DNS rebinding — is
 * refused at connect time). Every request goes through it, status polls included; redirects are never followed
 * (a 3xx is an answer, as orca), so a redirect's target is only reached as a later, checked request.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { CidrSet, isIpLiteral } from '../../../auth/cidr.js';

/** The configuration of the guard (`webhook` in the config). */
export interface NetworkPolicy {
  /** Host names (`example.com`, `*.example.com`) and IP/CIDR ranges that may be called; null = any host. */
  allowedHosts: readonly string[] | null;
  /** Addresses never connected to (CIDR ranges or addresses). */
  deniedCidrs: readonly string[];
}

/** The policy when none is configured: link-local (incl. 169.254.169.254), IPv6 link-local, AWS's IPv6 metadata. */
export const DEFAULT_NETWORK_POLICY: NetworkPolicy = {
  allowedHosts: null,
  deniedCidrs: ['169.254.0.0/16', 'fe80::/10', 'fd00:ec2::254/128'],
};

/** Error code carried by a refusal, so callers can tell it from network errors. */
export const DENIED_CODE = 'ERR_SLACKOPS_ADDRESS_DENIED';

/** A connection the policy refuses. `message` names the host, the address and the rule. */
export class AddressDeniedError extends Error {
  readonly code = DENIED_CODE;
  override readonly name = 'AddressDeniedError';
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A compiled `NetworkPolicy`. */
export class NetworkGuard {
  private readonly denied: CidrSet;
  private readonly allowedNames: string[] | null;
  private readonly allowedRanges: CidrSet | null;

  constructor(policy: NetworkPolicy = DEFAULT_NETWORK_POLICY) {
    this.denied = new CidrSet(policy.deniedCidrs);
    if (policy.allowedHosts === null) {
      this.allowedNames = null;
      this.allowedRanges = null;
    } else {
      const ranges = policy.allowedHosts.filter((h) => isIpLiteral(h.split('/')[0]!));
      this.allowedNames = policy.allowedHosts.filter((h) => !ranges.includes(h)).map((h) => h.toLowerCase());
      this.allowedRanges = new CidrSet(ranges);
    }
  }

  /**
   * Checks a URL's host before anything is sent: an IP literal against both lists, a name against the allow-list
   * (a name not listed may still pass when the allow-list has IP ranges: its addresses are checked at lookup).
   * @throws AddressDeniedError naming the rule.
   */
  checkHost(hostname: string): void {
    const host = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase().replace(/\.$/, '');
    if (isIpLiteral(host)) {
      this.checkAddress(host, host);
      return;
    }
    if (this.allowedNames === null || this.nameAllowed(host)) return;
    if (this.allowedRanges!.size === 0) {
      throw new AddressDeniedError(`${host} is not in webhook.allowedHosts (${this.allowedNames.join(', ')})`);
    }
  }

  /**
   * A `lookup` for `http.request`/`net.connect`: resolves as `dns.lookup` does, then refuses when any address is
   * denied (or, with an allow-list of ranges and an unlisted name, outside them).
   */
  readonly lookup = (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, options.all ? [] : '', undefined);
      try {
        for (const a of addresses) this.checkAddress(a.address, hostname);
      } catch (denied) {
        return callback(denied as NodeJS.ErrnoException, options.all ? [] : '', undefined);
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', undefined);
      callback(null, first.address, first.family);
    });
  };

  private nameAllowed(host: string): boolean {
    return this.allowedNames!.some((p) => (p.startsWith('*.') ? host.endsWith(p.slice(1)) : host === p));
  }

  /** @throws AddressDeniedError when `address` (of `host`) is denied or, for an unlisted name, outside the allowed ranges. */
  private checkAddress(address: string, host: string): void {
    const rule = this.denied.match(address);
    const shown = host === address ? address : `${host} (${address})`;
    if (rule !== null) throw new AddressDeniedError(`${shown} is in webhook.deniedCidrs (${rule})`);
    if (this.allowedNames === null || this.nameAllowed(host.toLowerCase())) return;
    if (this.allowedRanges!.match(address) === null) {
      throw new AddressDeniedError(`${shown} is not in webhook.allowedHosts (${[...this.allowedNames, ...this.allowedRanges!.entries].join(', ')})`);
    }
  }
}
