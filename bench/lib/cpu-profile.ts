/**
 * Reads a V8 `.cpuprofile` (node --cpu-prof) and aggregates it: self time per function and per
 * package, and inclusive time of chosen functions (each counted once per stack, so recursion does not
 * double-count). Usable from the harness and as a CLI: `tsx bench/lib/cpu-profile.ts FILE [N]`.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface FunctionTime {
  name: string;
  /** package or file:line where it lives */
  where: string;
  ms: number;
  percent: number;
}

export interface ProfileSummary {
  /** Sampled time excluding (idle), ms. */
  busyMs: number;
  idleMs: number;
  topSelf: FunctionTime[];
  byPackage: FunctionTime[];
  /** Inclusive time of functions whose name matches one of the probes. */
  inclusive: FunctionTime[];
}

/** Where a script lives, shortened: `socket.io-adapter/dist/in-memory-adapter.js`, `server/src/realtime/hub.ts`. */
function shortUrl(url: string): string {
  if (!url) return '';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  const pk = url.indexOf('/packages/');
  if (pk >= 0) return url.slice(pk + '/packages/'.length);
  return url.replace(/^file:\/\//, '');
}

function packageOf(url: string): string {
  if (!url) return '(native / V8)';
  if (url.startsWith('node:')) return 'node core';
  const short = shortUrl(url);
  if (url.includes('node_modules/')) return short.startsWith('@') ? short.split('/').slice(0, 2).join('/') : short.split('/')[0]!;
  if (url.includes('/packages/')) return `parley: ${short.split('/').slice(0, 3).join('/')}`;
  return short;
}

/**
 * @param probes function names (exact) or `name@file-substring` whose inclusive time to report.
 */
export function summarizeProfile(path: string, top = 25, probes: string[] = []): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0)));

  const fnSelf = new Map<string, { name: string; where: string; us: number }>();
  const pkgSelf = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)') {
      idle += us;
      continue;
    }
    busy += us;
    const name = functionName || '(anonymous)';
    const where = url ? `${shortUrl(url)}:${lineNumber + 1}` : '';
    const key = `${name} ${where}`;
    const entry = fnSelf.get(key) ?? { name, where, us: 0 };
    entry.us += us;
    fnSelf.set(key, entry);
    const pkg = functionName.startsWith('(') ? functionName : packageOf(url);
    pkgSelf.set(pkg, (pkgSelf.get(pkg) ?? 0) + us);
  }

  const matches = (probe: string, node: ProfileNode): boolean => {
    const [name, file] = probe.split('@');
    return node.callFrame.functionName === name && (!file || node.callFrame.url.includes(file));
  };
  const inclusiveUs = new Map<string, number>(probes.map((p) => [p, 0]));
  if (probes.length > 0) {
    profile.samples.forEach((id, i) => {
      const dt = profile.timeDeltas[i + 1] ?? 0;
      const seen = new Set<string>();
      for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
        const node = byId.get(cur)!;
        for (const p of probes) if (!seen.has(p) && matches(p, node)) seen.add(p);
      }
      for (const p of seen) inclusiveUs.set(p, inclusiveUs.get(p)! + dt);
    });
  }

  const ms = (us: number) => Math.round(us / 100) / 10;
  const pct = (us: number) => Math.round((1000 * us) / Math.max(1, busy)) / 10;
  return {
    busyMs: ms(busy),
    idleMs: ms(idle),
    topSelf: [...fnSelf.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((f) => ({ name: f.name, where: f.where, ms: ms(f.us), percent: pct(f.us) })),
    byPackage: [...pkgSelf.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([name, us]) => ({ name, where: '', ms: ms(us), percent: pct(us) })),
    inclusive: probes.map((p) => ({ name: p.split('@')[0]!, where: p.split('@')[1] ?? '', ms: ms(inclusiveUs.get(p)!), percent: pct(inclusiveUs.get(p)!) })),
  };
}

/** Plain-text table of a summary. */
export function formatProfile(s: ProfileSummary): string {
  const rows = (list: FunctionTime[]) => list.map((f) => `  ${f.ms.toFixed(1).padStart(9)} ms ${f.percent.toFixed(1).padStart(5)}%  ${f.name}${f.where ? `  (${f.where})` : ''}`).join('\n');
  return [
    `busy ${s.busyMs} ms, idle ${s.idleMs} ms`,
    'self time by function:',
    rows(s.topSelf),
    'self time by package:',
    rows(s.byPackage),
    ...(s.inclusive.length ? ['inclusive time (once per stack):', rows(s.inclusive)] : []),
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, n] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: tsx bench/lib/cpu-profile.ts FILE.cpuprofile [TOP]\n');
    process.exit(2);
  }
  process.stdout.write(`${formatProfile(summarizeProfile(file, Number(n ?? 30)))}\n`);
}
