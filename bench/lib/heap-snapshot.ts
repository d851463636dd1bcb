/**
 * Heap snapshots of a target process, summed by what holds the bytes: objects and closures by their
 * constructor or function name, everything else by its V8 node type (`(string)`, `(array)`, `(code)`,
 * `(hidden)` …). Two snapshots around adding N idle sessions tell how many bytes each session keeps
 * and in what — the RSS figure says how much, this says where.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nextMessage } from './children.ts';
import type { HeapSnapshotReply, HeapSnapshotRequest } from './ipc.ts';

export interface HeapSummary {
  /** Sum of every node's self size, in bytes (the live heap after the snapshot's own collection). */
  totalBytes: number;
  /** Bytes and node counts by holder name. */
  byHolder: Map<string, { count: number; bytes: number }>;
}

/** One holder's share of what each added session keeps. */
export interface HeapShare {
  holder: string;
  bytesPerSession: number;
  countPerSession: number;
}

interface SnapshotJson {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Node types whose name is a constructor or function name worth reporting on its own. */
const NAMED_TYPES = new Set(['object', 'closure', 'native']);

export function summarize(snapshot: SnapshotJson): HeapSummary {
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number];
  const byHolder = new Map<string, { count: number; bytes: number }>();
  let totalBytes = 0;
  const { nodes, strings } = snapshot;
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + typeAt]!] ?? 'unknown';
    const size = nodes[i + sizeAt]!;
    const holder = NAMED_TYPES.has(type) ? `${strings[nodes[i + nameAt]!] || '(anonymous)'}${type === 'closure' ? '()' : ''}` : `(${type})`;
    const entry = byHolder.get(holder);
    if (entry) {
      entry.count++;
      entry.bytes += size;
    } else byHolder.set(holder, { count: 1, bytes: size });
    totalBytes += size;
  }
  return { totalBytes, byHolder };
}

/** Asks the target (which imports targets/heap-snapshot-responder.ts) for a snapshot and sums it. */
export async function heapSnapshotOf(child: ChildProcess): Promise<HeapSummary> {
  const path = join(tmpdir(), `parley-bench-${child.pid}-${Date.now()}.heapsnapshot`);
  const request: HeapSnapshotRequest = { type: 'heap-snapshot', path };
  child.send(request);
  const { file } = await nextMessage<HeapSnapshotReply, 'heap-snapshot-written'>(child, 'heap-snapshot-written', 300_000);
  try {
    return summarize(JSON.parse(readFileSync(file, 'utf8')) as SnapshotJson);
  } finally {
    rmSync(file, { force: true });
  }
}

/** What each of `sessions` added sessions keeps, largest holders first (those under `minBytes` each are summed as "(other)"). */
export function perSession(before: HeapSummary, after: HeapSummary, sessions: number, minBytes = 64): { bytesPerSession: number; shares: HeapShare[] } {
  const shares: HeapShare[] = [];
  let other = 0;
  for (const [holder, a] of after.byHolder) {
    const b = before.byHolder.get(holder) ?? { count: 0, bytes: 0 };
    const bytes = (a.bytes - b.bytes) / sessions;
    if (Math.abs(bytes) < minBytes) other += bytes;
    else shares.push({ holder, bytesPerSession: Math.round(bytes), countPerSession: Math.round(((a.count - b.count) / sessions) * 100) / 100 });
  }
  shares.sort((x, y) => y.bytesPerSession - x.bytesPerSession);
  shares.push({ holder: '(other)', bytesPerSession: Math.round(other), countPerSession: 0 });
  return { bytesPerSession: Math.round((after.totalBytes - before.totalBytes) / sessions), shares };
}
