/**
 * Profiles Parley's hot path (and the bare socket.io baseline's, to compare): the fan-out workload
 * again, with the server under `node --cpu-prof`
 * (not a measured run: the profiler costs throughput). The profile lands in the results directory
 * (gitignored) and is summarized: self time by function and package, and inclusive time of the
 * functions that answer "encoded once per publication?", "JSON re-parsed?", "logging on the path?".
 */
import { mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { summarizeProfile, type ProfileSummary } from '../lib/cpu-profile.ts';
import type { TargetKind } from '../lib/targets.ts';
import type { BenchOptions } from '../options.ts';
import { runFanout, type FanoutResult } from './fanout.ts';

export interface ProfileResult {
  target: TargetKind;
  file: string;
  run: FanoutResult;
  summary: ProfileSummary;
}

/** Functions whose inclusive time tells the per-publication from the per-session work. */
export const PROFILE_PROBES = [
  // per publication
  'publish@realtime/node.ts',
  'deliver@realtime/hub.ts',
  'encode@socket.io-parser',
  'hasBinary@socket.io-parser',
  '_encode@socket.io-adapter',
  'stringify',
  'parse',
  // per session
  'write@realtime/hub.ts',
  'apply@socket.io-adapter',
  'writeToEngine@socket.io/dist/client.js',
  'sendPacket@engine.io/build/socket.js',
  'send@engine.io/build/transports/websocket.js',
  'sendFrame@ws/lib/sender.js',
  'writeGeneric',
  'writev',
  // logging
  'write@pino',
  'write@sonic-boom',
  'garbage collector',
];

/** Profiles `kind` (Parley, or a baseline to compare with) under the fan-out workload. */
export async function runProfile(opts: BenchOptions, kind: TargetKind): Promise<ProfileResult> {
  mkdirSync(opts.outDir, { recursive: true });
  const name = `${kind}-fanout.cpuprofile`;
  const file = join(opts.outDir, name);
  // tsx's loader runs in a worker thread that writes a profile of its own: keep the largest (main thread).
  const dir = join(opts.outDir, 'cpu-profiles.tmp');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  const profiled: BenchOptions = { ...opts, fanout: { ...opts.fanout, seconds: opts.profile.seconds } };
  const run = await runFanout(profiled, kind, opts.profile.subscribers, { nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${dir}`] });
  const written = readdirSync(dir).map((f) => join(dir, f));
  if (written.length === 0) throw new Error(`the server wrote no profile into ${dir}`);
  written.sort((a, b) => statSync(b).size - statSync(a).size);
  renameSync(written[0]!, file);
  rmSync(dir, { recursive: true, force: true });
  return { target: kind, file, run, summary: summarizeProfile(file, 25, PROFILE_PROBES) };
}
