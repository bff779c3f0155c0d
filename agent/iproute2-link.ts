import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { errorMessage, terminalError, transientError, type IpshiftError } from '../src/errors.js';
import type { Logger } from '../src/ports/logger.js';
import { canonicalAddress, parseCidr } from '../src/core/address.js';
import { normaliseMac } from './eui64.js';
import type { AddAddressOptions, GatewayCheck, Iface, IfaceAddress, IpLink } from './ip-link.js';

export interface Iproute2LinkOptions {
  /** Run every command inside this network namespace (`ip netns exec <ns> ...`); tests only. */
  readonly netns?: string;
  /** Path or name of the ip binary. Default `ip`. */
  readonly ipBinary?: string;
  /** Per-command timeout. Default 10 s. */
  readonly timeoutMs?: number;
  /** Search path for the optional arping / ndsend binaries. Default: $PATH as given by the caller. */
  readonly searchPath?: string;
}

export interface Iproute2LinkDeps {
  readonly logger: Logger;
}

interface IpJsonAddr {
  family?: string;
  local?: string;
  prefixlen?: number;
  scope?: string;
}

interface IpJsonRoute {
  gateway?: string;
  via?: { host?: string };
  nexthops?: { gateway?: string; via?: { host?: string } }[];
}

interface IpJsonLink {
  ifname?: string;
  address?: string;
  addr_info?: IpJsonAddr[];
}

type AnnounceCommand = { readonly path: string; readonly args: string[] } | { readonly skip: string };

interface RunResult {
  readonly stdout: string;
}

class CommandFailure extends Error {
  constructor(
    message: string,
    readonly stderr: string,
    readonly code: string | number | null,
  ) {
    super(message);
  }
}

/** Maps iproute2's complaints onto the error kinds the agent acts on. */
function classifyIpFailure(what: string, failure: CommandFailure): IpshiftError {
  const text = failure.stderr.trim() || failure.message;
  if (failure.code === 'ENOENT') return terminalError(`${what}: the ip binary (iproute2) is not installed`, 'ip-missing', failure);
  if (/File exists|already assigned/i.test(text)) return terminalError(`${what}: address already present`, 'exists', failure);
  if (/Operation not permitted|Permission denied/i.test(text)) {
    return terminalError(`${what}: not permitted (the agent needs root with NET_ADMIN in the host network namespace)`, 'permission', failure);
  }
  if (/Cannot find device|does not exist/i.test(text)) return terminalError(`${what}: ${text}`, 'no-device', failure);
  if (/Error: .*(invalid|Invalid|inet prefix is expected)/.test(text)) return terminalError(`${what}: ${text}`, 'invalid', failure);
  return transientError(`${what}: ${text}`, 'ip-failed', failure);
}

/**
 * IpLink on top of iproute2: `ip -j addr show` to read, `ip addr add/del` to write.
 * IPv6 addresses are added with `nodad`: in all-eligible mode the same failover address sits
 * on several nodes by design, and duplicate address detection would only mark it `dadfailed`
 * (or leave it `tentative` for a second) without protecting anything. Receive-only IPv6
 * addresses are also deprecated and without prefix route (see addAddress).
 */
export class Iproute2Link implements IpLink {
  private readonly binaries = new Map<string, Promise<string | null>>();
  private readonly arpingFlavours = new Map<string, Promise<'habets' | 'iputils'>>();

  constructor(
    private readonly options: Iproute2LinkOptions,
    private readonly deps: Iproute2LinkDeps,
  ) {}

  async listInterfaces(): Promise<Iface[]> {
    let stdout: string;
    try {
      ({ stdout } = await this.run(this.ipBinary(), ['-j', 'addr', 'show']));
    } catch (error) {
      throw error instanceof CommandFailure ? classifyIpFailure('ip addr show', error) : error;
    }
    let links: IpJsonLink[];
    try {
      links = JSON.parse(stdout) as IpJsonLink[];
    } catch (error) {
      throw transientError('ip -j addr show printed something that is not JSON', 'ip-output', error);
    }
    if (!Array.isArray(links)) throw transientError('ip -j addr show did not print a list', 'ip-output');
    return links
      .filter((l) => typeof l.ifname === 'string')
      .map((l) => ({
        name: l.ifname ?? '',
        mac: normaliseMac(l.address ?? '') ?? '',
        addresses: (l.addr_info ?? []).flatMap((a): IfaceAddress[] => {
          const address = typeof a.local === 'string' ? canonicalAddress(a.local) : null;
          if (address === null || typeof a.prefixlen !== 'number') return [];
          const family = a.family === 'inet6' ? 6 : a.family === 'inet' ? 4 : null;
          if (family === null) return [];
          return [{ family, address, prefixLength: a.prefixlen, scope: a.scope ?? 'global' }];
        }),
      }));
  }

  async listGateways(): Promise<string[]> {
    const found = new Set<string>();
    for (const family of ['-4', '-6']) {
      let stdout: string;
      try {
        ({ stdout } = await this.run(this.ipBinary(), [family, '-j', 'route', 'show', 'table', 'all']));
      } catch (error) {
        throw error instanceof CommandFailure ? classifyIpFailure(`ip ${family} route show table all`, error) : error;
      }
      let routes: IpJsonRoute[];
      try {
        routes = JSON.parse(stdout === '' ? '[]' : stdout) as IpJsonRoute[];
      } catch (error) {
        throw transientError('ip -j route show printed something that is not JSON', 'ip-output', error);
      }
      if (!Array.isArray(routes)) throw transientError('ip -j route show did not print a list', 'ip-output');
      for (const route of routes) {
        for (const hop of [route, ...(route.nexthops ?? [])]) {
          for (const text of [hop.gateway, hop.via?.host]) {
            const address = typeof text === 'string' ? canonicalAddress(text) : null;
            if (address !== null) found.add(address);
          }
        }
      }
    }
    return [...found];
  }

  async addAddress(iface: string, cidr: string, options: AddAddressOptions = {}): Promise<void> {
    const parsed = parseCidr(cidr);
    if (parsed === null) throw terminalError(`not a CIDR: ${cidr}`, 'invalid');
    const args = ['addr', 'add', cidr, 'dev', iface];
    if (parsed.family === 6) args.push('nodad');
    // Deprecated (preferred_lft 0) addresses are never chosen as a source when another one
    // exists (RFC 6724 rule 3) but still accept traffic; without the prefix route, traffic to
    // the rest of the failover /64 goes to the router (and so to the holder), not on-link.
    // IPv4 needs neither: a /32 added later is never preferred over the primary address.
    if (parsed.family === 6 && options.receiveOnly === true) args.push('noprefixroute', 'preferred_lft', '0');
    try {
      await this.run(this.ipBinary(), args);
    } catch (error) {
      throw error instanceof CommandFailure ? classifyIpFailure(`ip addr add ${cidr} dev ${iface}`, error) : error;
    }
  }

  async delAddress(iface: string, cidr: string): Promise<void> {
    try {
      await this.run(this.ipBinary(), ['addr', 'del', cidr, 'dev', iface]);
    } catch (error) {
      if (!(error instanceof CommandFailure)) throw error;
      // EADDRNOTAVAIL (newer kernels say "Address not found"): already gone, as wanted.
      if (/Cannot assign requested address|Address not found/i.test(error.stderr)) return;
      throw classifyIpFailure(`ip addr del ${cidr} dev ${iface}`, error);
    }
  }

  /**
   * IPv4: one gratuitous ARP with `arping -U` (Debian's `arping` package, Habets, or
   * `iputils-arping`: they differ in the interface flag, so the flavour is asked once).
   * IPv6: `ndsend` (an unsolicited neighbour advertisement) when present, else `ndisc6 -s`: a
   * neighbour solicitation from the new address to the default gateway, which carries our MAC
   * and so updates the router's neighbour cache for that address (RFC 4861 7.2.3).
   * Best effort: missing tools, no gateway or no answer only log at debug.
   */
  async announce(iface: string, cidr: string): Promise<void> {
    const parsed = parseCidr(cidr);
    if (parsed === null) return;
    const command = parsed.family === 4 ? await this.arpingCommand(iface, parsed.address) : await this.ipv6AnnounceCommand(iface, parsed.address);
    if ('skip' in command) {
      this.deps.logger.debug(`no announcement after adding: ${command.skip}`, { interface: iface, address: cidr });
      return;
    }
    try {
      await this.run(command.path, command.args);
      this.deps.logger.debug('address announced', { interface: iface, address: cidr, tool: command.path });
    } catch (error) {
      // arping and ndisc6 exit non-zero when nobody answers, which an announcement does not expect.
      this.deps.logger.debug('announcement tool exited with an error', {
        interface: iface,
        address: cidr,
        tool: command.path,
        err: error,
      });
    }
  }

  /**
   * One ARP request for the IPv4 default gateway, answered within a second or not: arping
   * exits 0 on a reply and non-zero without one (both flavours).
   */
  async checkGateway(): Promise<GatewayCheck> {
    let route: { gateway?: unknown; dev?: unknown } | undefined;
    try {
      const { stdout } = await this.run(this.ipBinary(), ['-4', '-j', 'route', 'show', 'default']);
      route = (JSON.parse(stdout) as Array<{ gateway?: unknown; dev?: unknown }>).find((r) => typeof r.gateway === 'string' && typeof r.dev === 'string');
    } catch (error) {
      return { kind: 'unknown', detail: `cannot read the default route: ${errorMessage(error)}` };
    }
    if (route === undefined) return { kind: 'unknown', detail: 'no IPv4 default gateway' };
    const iface = route.dev as string;
    const gateway = route.gateway as string;
    const path = await this.findBinary('arping');
    if (path === null) return { kind: 'unknown', detail: 'arping not installed' };
    const flag = (await this.arpingFlavour(path)) === 'habets' ? '-i' : '-I';
    try {
      await this.run(path, ['-q', '-c', '1', '-w', '1', flag, iface, gateway]);
      return { kind: 'reachable', iface, gateway };
    } catch (error) {
      if (error instanceof CommandFailure && typeof error.code === 'number') return { kind: 'unreachable', iface, gateway };
      return { kind: 'unknown', detail: `arping failed: ${errorMessage(error)}` };
    }
  }

  private async arpingCommand(iface: string, address: string): Promise<AnnounceCommand> {
    const path = await this.findBinary('arping');
    if (path === null) return { skip: 'arping not installed' };
    return (await this.arpingFlavour(path)) === 'habets'
      ? { path, args: ['-q', '-U', '-c', '1', '-w', '1', '-i', iface, address] }
      : { path, args: ['-q', '-U', '-c', '1', '-I', iface, address] };
  }

  /** Debian's `arping` (Habets) and `iputils-arping` differ in the interface flag: asked once. */
  private arpingFlavour(path: string): Promise<'habets' | 'iputils'> {
    let flavour = this.arpingFlavours.get(path);
    if (flavour === undefined) {
      flavour = this.run(path, ['--help']).then(
        ({ stdout }) => (/Habets/i.test(stdout) ? 'habets' : 'iputils'),
        (error: unknown) => (error instanceof CommandFailure && /Habets/i.test(`${error.stderr} ${error.message}`) ? 'habets' : 'iputils'),
      );
      this.arpingFlavours.set(path, flavour);
    }
    return flavour;
  }

  private async ipv6AnnounceCommand(iface: string, address: string): Promise<AnnounceCommand> {
    const ndsend = await this.findBinary('ndsend');
    if (ndsend !== null) return { path: ndsend, args: [address, iface] };
    const ndisc6 = await this.findBinary('ndisc6');
    if (ndisc6 === null) return { skip: 'neither ndsend nor ndisc6 installed' };
    let gateway: string | null = null;
    try {
      const { stdout } = await this.run(this.ipBinary(), ['-6', '-j', 'route', 'show', 'default', 'dev', iface]);
      const routes = JSON.parse(stdout) as { gateway?: string }[];
      gateway = routes.find((r) => typeof r.gateway === 'string')?.gateway ?? null;
    } catch {
      gateway = null;
    }
    if (gateway === null) return { skip: `no IPv6 default gateway on ${iface} to tell` };
    return { path: ndisc6, args: ['-q', '-1', '-r', '1', '-w', '300', '-s', address, gateway, iface] };
  }

  private ipBinary(): string {
    return this.options.ipBinary ?? 'ip';
  }

  /** The full path of an optional binary on the search path, or null. Looked up once. */
  private findBinary(name: string): Promise<string | null> {
    let found = this.binaries.get(name);
    if (found === undefined) {
      const dirs = (this.options.searchPath ?? '').split(delimiter).filter((d) => d !== '');
      found = (async () => {
        for (const dir of dirs) {
          try {
            await access(join(dir, name), constants.X_OK);
            return join(dir, name);
          } catch {
            // not in this directory
          }
        }
        return null;
      })();
      this.binaries.set(name, found);
    }
    return found;
  }

  private run(binary: string, args: readonly string[]): Promise<RunResult> {
    const [file, argv] = this.options.netns === undefined ? [binary, [...args]] : ['ip', ['netns', 'exec', this.options.netns, binary, ...args]];
    return new Promise((resolve, reject) => {
      execFile(file, argv, { timeout: this.options.timeoutMs ?? 10_000, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (error === null) {
          resolve({ stdout });
          return;
        }
        const code = (error as NodeJS.ErrnoException).code ?? null;
        reject(new CommandFailure(`${file} ${argv.join(' ')} failed: ${error.message}`, stderr, code));
      });
    });
  }
}
