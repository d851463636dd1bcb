/**
 * Turns a run's results into the markdown table (printed, written into bench/README.md between markers)
 * and the JSON file. Parley's figures are shown as absolutes and as ratios to the two baselines measured
 * in the same run.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { LatencySummary } from './lib/histogram.ts';
import type { TargetKind } from './lib/targets.ts';
import type { BenchOptions } from './options.ts';
import type { ConnectionsResult } from './scenarios/connections.ts';
import type { FanoutResult } from './scenarios/fanout.ts';
import type { LatencyResult } from './scenarios/latency.ts';
import type { ProfileResult } from './scenarios/profile.ts';

export interface BenchResults {
  startedAt: string;
  finishedAt: string;
  machine: { cpus: number; cpuModel: string; memGiB: number; node: string; openFilesLimit: number };
  options: BenchOptions;
  notes: string[];
  fanout: FanoutResult[];
  latency: LatencyResult[];
  connections: ConnectionsResult[];
  profiles: ProfileResult[];
  skipped: { scenario: string; reason: string }[];
  errors: { scenario: string; target?: TargetKind; message: string }[];
}

interface Row {
  scenario: string;
  metric: string;
  values: Partial<Record<TargetKind, number>>;
  /** true when a smaller value is better (latency, memory). */
  lowerIsBetter?: boolean;
  target?: string;
  met?: boolean;
}

const fmt = (v: number | undefined): string => {
  if (v === undefined || Number.isNaN(v)) return '–';
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  return String(Math.round(v * 100) / 100);
};

/** Parley ÷ baseline; for lower-is-better metrics the ratio still reads "Parley's value over theirs". */
const ratio = (a: number | undefined, b: number | undefined): string => (a === undefined || !b ? '–' : `${(a / b).toFixed(2)}×`);

function rows(r: BenchResults): Row[] {
  const out: Row[] = [];
  const by = <T extends { target: TargetKind }>(list: T[], pick: (x: T) => number) =>
    Object.fromEntries(list.map((x) => [x.target, pick(x)])) as Partial<Record<TargetKind, number>>;
  const subsCounts = [...new Set(r.fanout.map((f) => f.subscribers))];
  for (const n of subsCounts) {
    const list = r.fanout.filter((f) => f.subscribers === n);
    const values = by(list, (f) => f.deliveriesPerSecond);
    const p = values.parley;
    const met = p !== undefined && values.socketio && values.ws ? p >= 0.9 * values.socketio && p >= 0.7 * values.ws : undefined;
    out.push({ scenario: `fan-out: 1 channel × ${n.toLocaleString('en-US')}`, metric: 'deliveries/s', values, target: '≥ 0.9× socket.io, ≥ 0.7× ws', met });
  }
  for (const rate of [...new Set(r.latency.map((l) => l.ratePerSecond))]) {
    const list = r.latency.filter((l) => l.ratePerSecond === rate);
    const l = list[0]!;
    const name = `latency: ${l.channels}×${l.subscribersPerChannel} @ ${rate}/s (${((rate * l.subscribersPerChannel) / 1000).toLocaleString('en-US')}k deliveries/s)`;
    const pick = (k: keyof LatencySummary) => by(list, (x) => x.delivery[k]);
    out.push({ scenario: name, metric: 'p50 ms', values: pick('p50'), lowerIsBetter: true });
    const p99 = pick('p99');
    out.push({ scenario: name, metric: 'p99 ms', values: p99, lowerIsBetter: true, target: '≤ 20 ms', met: p99.parley === undefined ? undefined : p99.parley <= 20 });
    out.push({ scenario: name, metric: 'max ms', values: pick('max'), lowerIsBetter: true });
    out.push({ scenario: name, metric: 'publish API p99 ms', values: by(list, (x) => x.publishApi.p99), lowerIsBetter: true });
  }
  if (r.connections.length > 0) {
    const name = `connections: ramp to ${r.connections[0]!.bound.toLocaleString('en-US')}`;
    const held = by(r.connections, (c) => c.held);
    const bound = r.connections[0]!.bound;
    // A ramp capped by the descriptor limit below 20,000 cannot show the target either way.
    const capped = bound < 20_000 && held.parley === bound;
    out.push({
      scenario: name,
      metric: 'sessions held',
      values: held,
      target: capped ? `≥ 20,000 (not reachable: RLIMIT_NOFILE caps the ramp at ${bound.toLocaleString('en-US')})` : '≥ 20,000',
      met: held.parley === undefined || capped ? undefined : held.parley >= 20_000,
    });
    const kib = by(r.connections, (c) => c.kibPerSession);
    out.push({ scenario: name, metric: 'RSS KiB / session', values: kib, lowerIsBetter: true, target: '≤ 20 KB', met: kib.parley === undefined ? undefined : kib.parley * 1.024 <= 20 });
  }
  return out;
}

export function markdownTable(r: BenchResults): string {
  const head = '| scenario | metric | Parley | bare socket.io | bare ws | Parley ÷ socket.io | Parley ÷ ws | target |\n|---|---|---:|---:|---:|---:|---:|---|';
  const lines = rows(r).map((row) => {
    const v = row.values;
    const target = row.target ? `${row.target}${row.met === undefined ? '' : row.met ? ' ✅' : ' ❌'}` : '';
    return `| ${row.scenario} | ${row.metric} | ${fmt(v.parley)} | ${fmt(v.socketio)} | ${fmt(v.ws)} | ${ratio(v.parley, v.socketio)} | ${ratio(v.parley, v.ws)} | ${target} |`;
  });
  const m = r.machine;
  const footer = [
    '',
    `${r.startedAt.slice(0, 16).replace('T', ' ')} UTC · ${m.cpus} × ${m.cpuModel} · ${m.memGiB} GiB · Node ${m.node} · ${r.options.quick ? 'QUICK (scaled-down) run' : 'full run'} · client: ${r.options.client}, ${r.options.clientProcesses} load processes`,
    ...r.notes.map((n) => `- ${n}`),
    ...r.skipped.map((s) => `- not measured: **${s.scenario}** — ${s.reason}`),
    ...r.errors.map((e) => `- error in ${e.scenario}${e.target ? ` (${e.target})` : ''}: ${e.message}`),
  ];
  return [head, ...lines, ...footer].join('\n');
}

const START = '<!-- bench:results:start -->';
const END = '<!-- bench:results:end -->';

/** Replaces the table between the markers in a README. */
export function updateReadme(path: string, table: string): void {
  const text = readFileSync(path, 'utf8');
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < a) throw new Error(`${path} has no ${START} … ${END} markers`);
  writeFileSync(path, `${text.slice(0, a + START.length)}\n${table}\n${text.slice(b)}`);
}

export function writeJson(path: string, r: BenchResults): void {
  writeFileSync(path, `${JSON.stringify(r, null, 2)}\n`);
}
