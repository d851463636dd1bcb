/**
 * `npm run bench`: runs the selected scenarios against Parley and the two bare baselines, prints the
 * parameters and a table, writes results/latest.json, results/chart.{svg,png}, the profile summary,
 * and the table into bench/README.md and the README's Benchmarks section. Every run stops by itself
 * (BENCH_DEADLINE_MIN).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeChart } from './chart.ts';
import { formatProfile } from './lib/cpu-profile.ts';
import { openFilesLimit } from './lib/proc.ts';
import { postgresProblem, redisProblem } from './lib/services.ts';
import { TARGET_LABELS, type TargetKind } from './lib/targets.ts';
import { loadOptions, type BenchOptions } from './options.ts';
import { markdownTable, updateReadme, writeJson, type BenchResults } from './report.ts';
import { runChat } from './scenarios/chat.ts';
import { runChurn } from './scenarios/churn.ts';
import { runCluster } from './scenarios/cluster.ts';
import { runClusterSpread } from './scenarios/cluster-spread.ts';
import { runConnections } from './scenarios/connections.ts';
import { runMemory } from './scenarios/memory.ts';
import { runSearch } from './scenarios/search.ts';
import { runChatWebhooks } from './scenarios/chat-webhooks.ts';
import { runExport } from './scenarios/export.ts';
import { runConsole } from './scenarios/console.ts';
import { runFanout } from './scenarios/fanout.ts';
import { runLatency } from './scenarios/latency.ts';
import { runProfile } from './scenarios/profile.ts';
import { runStart } from './scenarios/start.ts';

const log = (line: string) => process.stdout.write(`${line}\n`);

/** Runs one measurement, recording a failure instead of ending the whole run. */
async function attempt<T>(r: BenchResults, scenario: string, target: TargetKind | undefined, work: () => Promise<T>): Promise<T | undefined> {
  const started = performance.now();
  log(`▶ ${scenario}${target ? ` · ${TARGET_LABELS[target]}` : ''}`);
  try {
    const out = await work();
    log(`  done in ${((performance.now() - started) / 1000).toFixed(1)} s: ${JSON.stringify(out, (k, v) => (k === 'steps' || k === 'summary' ? undefined : v))}`);
    return out;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    log(`  FAILED: ${message}`);
    r.errors.push({ scenario, target, message });
    return undefined;
  }
}

export async function runBench(opts: BenchOptions): Promise<BenchResults> {
  const cpu = cpus();
  const r: BenchResults = {
    startedAt: new Date().toISOString(),
    finishedAt: '',
    machine: { cpus: cpu.length, cpuModel: cpu[0]?.model.trim() ?? 'unknown', memGiB: Math.round(totalmem() / 2 ** 30), node: process.version, openFilesLimit: openFilesLimit().soft },
    options: opts,
    notes: [
      'Numbers come from a shared machine: the server, the load-client processes and the publisher share its cores, and other engineers run tests on it. Absolutes are noisy; compare the ratios, which are measured in the same run.',
      `Load clients: ${opts.client === 'thin' ? 'engine.io v4 / socket.io packets spoken directly over ws (socket.io targets) or plain ws frames (ws baseline), so the client side costs the same for every target' : 'socket.io-client 4 io(url) (the ws baseline still uses plain ws)'}.`,
      'Baselines serve the same POST /v2/event/{app}/channel body with bare node:http + JSON.parse: socket.io broadcasts with io.to(channels).emit, ws writes one pre-encoded frame to each socket.',
    ],
    fanout: [],
    latency: [],
    connections: [],
    memory: [],
    search: [],
    chatWebhooks: [],
    exports: [],
    chat: [],
    cluster: [],
    clusterSpread: [],
    churn: [],
    console: [],
    start: [],
    profiles: [],
    skipped: [],
    errors: [],
  };
  const has = (s: BenchOptions['scenarios'][number]) => opts.scenarios.includes(s);

  if (has('fanout'))
    for (const n of opts.fanout.subscribers)
      for (const t of opts.targets) {
        const res = await attempt(r, `fan-out ${n}`, t, () => runFanout(opts, t, n));
        if (res) r.fanout.push(res);
      }
  if (has('latency'))
    for (const rate of opts.latency.rates)
      for (const t of opts.targets) {
        const res = await attempt(r, `latency @ ${rate}/s`, t, () => runLatency(opts, t, rate));
        if (res) r.latency.push(res);
      }
  if (has('connections'))
    for (const t of opts.targets) {
      const res = await attempt(r, 'connections', t, () => runConnections(opts, t));
      if (res) {
        r.connections.push(res);
        if (res.boundNote && !r.notes.some((n) => n.includes('RLIMIT_NOFILE'))) r.notes.push(`Connections ${res.boundNote}.`);
      }
    }
  if (has('memory'))
    for (const t of opts.targets) {
      const res = await attempt(r, `memory (${opts.memory.sessions} idle sessions, heap snapshots)`, t, () => runMemory(opts, t));
      if (res) r.memory.push(res);
    }
  const postgres = has('chat') || has('chat-webhooks') || has('search') || has('export') || has('cluster') ? await postgresProblem(opts.chat.postgresAdminUrl) : undefined;
  if (has('chat'))
    for (const engine of opts.chat.engines) {
      if (engine === 'postgres' && postgres) {
        r.skipped.push({ scenario: 'chat on PostgreSQL', reason: postgres });
        continue;
      }
      const res = await attempt(r, `chat on ${engine}`, 'parley', () => runChat(opts, engine));
      if (res) r.chat.push(res);
    }
  if (has('chat-webhooks'))
    for (const engine of opts.chat.engines) {
      if (engine === 'postgres' && postgres) {
        r.skipped.push({ scenario: 'chat webhooks on PostgreSQL', reason: postgres });
        continue;
      }
      const res = await attempt(r, `chat on ${engine}, webhooks off → on`, 'parley', () => runChatWebhooks(opts, engine));
      if (res) r.chatWebhooks.push(res);
    }
  if (has('export'))
    for (const engine of opts.chat.engines) {
      if (engine === 'postgres' && postgres) {
        r.skipped.push({ scenario: 'export on PostgreSQL', reason: postgres });
        continue;
      }
      const res = await attempt(r, `export of ${opts.export.messages.toLocaleString('en-US')} messages on ${engine}`, 'parley', () => runExport(opts, engine));
      if (res) r.exports.push(res);
    }
  if (has('search'))
    for (const engine of opts.chat.engines) {
      if (engine === 'postgres' && postgres) {
        r.skipped.push({ scenario: 'search on PostgreSQL', reason: postgres });
        continue;
      }
      const res = await attempt(r, `search over ${opts.search.messages.toLocaleString('en-US')} messages on ${engine}`, 'parley', () => runSearch(opts, engine));
      if (res) r.search.push(res);
    }
  if (has('cluster')) {
    const missing = postgres ?? (await redisProblem(opts.cluster.redisUrl));
    if (missing) r.skipped.push({ scenario: 'cluster', reason: `cluster mode needs PostgreSQL and Redis: ${missing}` });
    else
      for (const n of opts.cluster.subscribers) {
        const oneNode = r.fanout.find((f) => f.target === 'parley' && f.subscribers === n);
        const res = await attempt(r, `cluster of ${opts.cluster.nodes}, fan-out ${n}`, 'parley', () => runCluster(opts, n, oneNode));
        if (res) r.cluster.push(res);
      }
    const { nodes, spread } = opts.cluster;
    if (!missing && spread.channelsPerNode > 0) {
      const res = await attempt(r, `cluster of ${nodes}, ${spread.channelsPerNode} channels × ${spread.subscribersPerChannel} per node`, 'parley', () => runClusterSpread(opts));
      if (res) r.clusterSpread.push(res);
    }
  }
  // The ws baseline speaks no socket.io: the soak compares Parley with bare socket.io only.
  if (has('churn'))
    for (const t of opts.targets.filter((k) => k !== 'ws')) {
      const res = await attempt(r, `churn (${opts.churn.cycles} cycles)`, t, () => runChurn(opts, t));
      if (res) r.churn.push(res);
    }
  if (has('console'))
    for (const n of opts.console.subscribers) {
      const res = await attempt(r, `fan-out ${n} with a debug console streaming the app`, 'parley', () => runConsole(opts, n));
      if (res) r.console.push(res);
    }
  if (has('start')) {
    const res = await attempt(r, `start of the production build (${opts.start.rounds} times)`, 'parley', () => runStart(opts));
    if (res) r.start.push(res);
  }
  if (has('profile'))
    for (const t of opts.targets.filter((k) => k !== 'ws')) {
      const res = await attempt(r, `profile (fan-out ${opts.profile.subscribers}, --cpu-prof)`, t, () => runProfile(opts, t));
      if (res) r.profiles.push({ ...res, file: `results/${basename(res.file)}` });
    }
  r.finishedAt = new Date().toISOString();
  return r;
}

function printParameters(opts: BenchOptions): void {
  const { fanout, latency, connections, chat, cluster, churn, profile } = opts;
  log(`Parley benchmarks (${opts.quick ? 'QUICK' : 'full'}): scenarios ${opts.scenarios.join(', ')}; targets ${opts.targets.join(', ')}`);
  log(`  clients: ${opts.client}, ${opts.clientProcesses} processes; payload pad ${opts.payloadBytes} B; results → ${opts.outDir}`);
  log(`  fan-out: 1 channel × ${fanout.subscribers.join(' / ')} subscribers, ${fanout.seconds} s (+${fanout.warmupSeconds} s warm-up), ≤ ${fanout.inflight} deliveries in flight`);
  log(`  latency: ${latency.channels} channels × ${latency.subscribersPerChannel} subscribers, ${latency.rates.join(' and ')} publishes/s for ${latency.seconds} s`);
  log(`  connections: ramp by ${connections.step} to ${connections.max} (RLIMIT_NOFILE ${openFilesLimit().soft})`);
  log(`  chat: ${chat.channels} channels × ${chat.membersPerChannel} members, ${chat.senders} senders for ${chat.seconds} s (+${chat.warmupSeconds} s warm-up) on ${chat.engines.join(' and ')}`);
  log(`  cluster: ${cluster.nodes} nodes (Redis ${cluster.redisUrl}, fresh PostgreSQL database), fan-out to ${cluster.subscribers.join(' / ')} subscribers`);
  if (cluster.spread.channelsPerNode > 0)
    log(`  cluster, channels spread: ${cluster.spread.channelsPerNode} channels × ${cluster.spread.subscribersPerChannel} subscribers on each node, next to 1 node with one node's share`);
  log(`  churn: ${churn.cycles} connect → subscribe → disconnect cycles, ${churn.concurrency} at once, ${churn.settleSeconds} s settle`);
  log(`  console: Parley fan-out to ${opts.console.subscribers.join(' / ')} subscribers, ${opts.console.rounds} rounds without and with one debug console streaming the app`);
  log(`  start: the production build (npm start) ${opts.start.rounds} times on a fresh data directory, RSS after ${opts.start.restMs / 1000} s at rest`);
  log(`  profile: Parley fan-out to ${profile.subscribers} subscribers for ${profile.seconds} s under --cpu-prof`);
}

async function main(): Promise<void> {
  const opts = loadOptions(process.env, process.argv.slice(2));
  const deadlineMin = Number(process.env.BENCH_DEADLINE_MIN ?? (opts.quick ? 10 : 45));
  setTimeout(() => {
    log(`bench: deadline of ${deadlineMin} min reached, stopping`);
    process.exit(1);
  }, deadlineMin * 60_000).unref();
  printParameters(opts);
  mkdirSync(opts.outDir, { recursive: true });

  const r = await runBench(opts);
  const chart = await writeChart(r, join(opts.outDir, 'chart.svg'), join(opts.outDir, 'chart.png'));
  if (chart.note) r.notes.push(chart.note);
  writeJson(join(opts.outDir, 'latest.json'), r);
  const table = markdownTable(r);
  log(`\n${table}\n`);
  if (r.profiles.length > 0) {
    const text = r.profiles
      .map((p) => `== ${TARGET_LABELS[p.target]}: fan-out to ${p.run.connected} subscribers, ${p.run.publishes} publishes measured (${p.file}) ==\n${formatProfile(p.summary)}`)
      .join('\n\n');
    writeFileSync(join(opts.outDir, 'profile-summary.txt'), `${text}\n`);
    log(`CPU profiles during fan-out (whole server lifetime: start, connections, warm-up, measured run):\n${text}`);
  }
  // The table goes into bench/README.md and the project README's Benchmarks section alike.
  if (opts.updateReadme) for (const readme of ['README.md', '../README.md']) updateReadme(fileURLToPath(new URL(readme, import.meta.url)), table);
  log(`written: ${join(opts.outDir, 'latest.json')}, chart.svg${chart.png ? ', chart.png' : ''}${opts.updateReadme ? ', bench/README.md, README.md' : ''}`);
  process.exit(r.errors.length > 0 ? 1 : 0);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
