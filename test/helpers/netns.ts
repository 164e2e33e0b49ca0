import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';

/** Opting out of the network-namespace tests must be explicit: without root they fail and say so. */
export const SKIP_NETNS_ENV = 'SWARMLAB_SKIP_NETNS';

function run(cmd: string, args: readonly string[]): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10000 });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? r.error.message : ''}`.trim() };
}

function must(cmd: string, args: readonly string[]): string {
  const r = run(cmd, args);
  if (!r.ok) throw new Error(`${cmd} ${args.join(' ')}: ${r.out}`);
  return r.out;
}

/**
 * A private LAN made of network namespaces: one per host, each with its own
 * address on a bridge that lives in a namespace of its own, so nothing of the
 * machine's own network (interfaces, addresses, routes) is touched. Names
 * carry a random tag, so parallel runs do not collide; `destroy()` removes
 * everything (deleting a namespace deletes its end of each veth pair).
 */
export class NetnsLab {
  readonly tag = `sl${crypto.randomBytes(3).toString('hex')}`;
  private readonly namespaces: string[] = [];
  private readonly switchNs = `${this.tag}-switch`;
  readonly hosts: Array<{ readonly ns: string; readonly address: string; readonly device: string }> = [];

  /** Why namespaces cannot be used here, or undefined if they can. */
  static unavailable(): string | undefined {
    if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`;
    if (process.getuid?.() !== 0) return 'creating network namespaces needs root (ip netns add)';
    if (!run('ip', ['-V']).ok || !run('tc', ['-V']).ok) return 'ip and tc (iproute2) are not installed: run scripts/ensure-iproute2.sh';
    return undefined;
  }

  /** `count` hosts on 10.77.0.0/24 (inside the lab's own namespaces only): host i is 10.77.0.(i+1). */
  constructor(count: number) {
    try {
      this.addNamespace(this.switchNs);
      must('ip', ['-n', this.switchNs, 'link', 'add', 'br0', 'type', 'bridge']);
      must('ip', ['-n', this.switchNs, 'link', 'set', 'br0', 'up']);
      for (let i = 0; i < count; i++) {
        const ns = `${this.tag}-h${i}`;
        this.addNamespace(ns);
        // Both ends are created inside the lab's namespaces: the host's own namespace never sees them.
        must('ip', ['-n', ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', `port${i}`, 'netns', this.switchNs]);
        must('ip', ['-n', this.switchNs, 'link', 'set', `port${i}`, 'master', 'br0', 'up']);
        const address = `10.77.0.${i + 1}`;
        must('ip', ['-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
        must('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
        must('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
        this.hosts.push({ ns, address, device: 'eth0' });
      }
    } catch (err) {
      this.destroy();
      throw err;
    }
  }

  /** The command prefix that runs a program on host i. */
  exec(i: number): string[] {
    return ['ip', 'netns', 'exec', this.hosts[i]!.ns];
  }

  /** Shapes what host i sends with a token bucket filter (the kernel's tbf qdisc). */
  shapeUplink(i: number, rate: string): void {
    must('ip', ['netns', 'exec', this.hosts[i]!.ns, 'tc', 'qdisc', 'add', 'dev', 'eth0', 'root', 'tbf', 'rate', rate, 'burst', '32kb', 'latency', '100ms']);
  }

  /** Bytes host i's uplink qdisc has sent (tc -s). */
  uplinkBytesSent(i: number): number {
    const out = must('ip', ['netns', 'exec', this.hosts[i]!.ns, 'tc', '-s', 'qdisc', 'show', 'dev', 'eth0']);
    const m = /tbf[\s\S]*?Sent (\d+) bytes/.exec(out);
    if (!m) throw new Error(`no tbf statistics on host ${i}: ${out}`);
    return Number(m[1]);
  }

  /** Kills whatever still runs in the lab's namespaces and deletes them. Safe to call twice. */
  destroy(): void {
    for (const ns of this.namespaces.splice(0).reverse()) {
      const pids = run('ip', ['netns', 'pids', ns]).out.split(/\s+/).filter((p) => /^\d+$/.test(p));
      for (const pid of pids) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // already gone
        }
      }
      run('ip', ['netns', 'del', ns]);
    }
  }

  private addNamespace(ns: string): void {
    must('ip', ['netns', 'add', ns]);
    this.namespaces.push(ns);
  }
}
