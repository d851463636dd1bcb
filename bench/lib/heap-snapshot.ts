/**
 * Heap snapshots of a target process, summed two ways: by what the bytes are — objects and closures by
 * their constructor or function name, everything else by its V8 node type (`(string)`, `(array)`,
 * `(code)`, `(hidden)` …) — and by which per-connection object they hang under (the nearest one on each
 * node's shortest path from the roots: a header string under the IncomingMessage, a listener under the
 * engine.io socket …). Two snapshots around adding N idle sessions tell how many bytes each session
 * keeps, in what and under whom — the RSS figure says how much, this says where.
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
  /** Bytes by the per-connection object they hang under (OWNERS), `(elsewhere)` for the rest. */
  byOwner: Map<string, number>;
}

/** One holder's share of what each added session keeps. */
export interface HeapShare {
  holder: string;
  bytesPerSession: number;
  countPerSession: number;
}

interface SnapshotJson {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]]; edge_fields: string[]; edge_types: [string[], ...unknown[]] } };
  nodes: number[];
  edges: number[];
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
  return { totalBytes, byHolder, byOwner: byOwner(snapshot) };
}

/**
 * The objects one connection is made of, on every target, by the label ownerLabel() gives them; what
 * hangs under one of them (and under no nearer one) is counted as its.
 */
const OWNERS = new Set([
  'net.Socket', 'TCP', 'IncomingMessage', 'WebSocketResponse', 'ws.WebSocket', 'Receiver', 'Sender', 'Timeout',
  'engine.io Socket', 'engine.io WebSocket transport', 'engine.io Polling transport', 'socket.io Client', 'socket.io Socket', 'Decoder',
  // Parley: realtime/session.ts, socketio-connections.ts (Tracked), inbound-gate.ts, legacy09/.
  'Session', 'Tracked', 'InboundGate', 'SessionBridge', 'LegacySocket',
]);
/** Constructor names shared by several libraries' classes, told apart by a property of their own. */
const AMBIGUOUS: Record<string, Array<[property: string, label: string]>> = {
  Socket: [['nsp', 'socket.io Socket'], ['upgrading', 'engine.io Socket'], ['_handle', 'net.Socket']],
  WebSocket: [['_receiver', 'ws.WebSocket'], ['_doSend', 'engine.io WebSocket transport']],
  Client: [['nsps', 'socket.io Client']],
  Polling: [['closeTimeout', 'engine.io Polling transport']],
};

/** Bytes by owner: each node goes to the nearest OWNERS object on its shortest path from the root. */
function byOwner(snapshot: SnapshotJson): Map<string, number> {
  const { nodes, edges, strings } = snapshot;
  const meta = snapshot.snapshot.meta;
  const nf = meta.node_fields.length;
  const ef = meta.edge_fields.length;
  const [typeAt, nameAt, sizeAt, edgeCountAt] = ['type', 'name', 'self_size', 'edge_count'].map((f) => meta.node_fields.indexOf(f)) as [number, number, number, number];
  const [edgeTypeAt, edgeNameAt, toAt] = ['type', 'name_or_index', 'to_node'].map((f) => meta.edge_fields.indexOf(f)) as [number, number, number];
  const nodeTypes = meta.node_types[0];
  const weak = meta.edge_types[0].indexOf('weak');
  const property = meta.edge_types[0].indexOf('property');
  const count = nodes.length / nf;
  const firstEdge = new Int32Array(count + 1);
  for (let i = 0; i < count; i++) firstEdge[i + 1] = firstEdge[i]! + nodes[i * nf + edgeCountAt]! * ef;
  const hasProperty = (node: number, name: string): boolean => {
    for (let e = firstEdge[node]!; e < firstEdge[node + 1]!; e += ef) if (edges[e + edgeTypeAt] === property && strings[edges[e + edgeNameAt]!] === name) return true;
    return false;
  };
  const ownerLabel = (node: number): string | undefined => {
    const type = nodeTypes[nodes[node * nf + typeAt]!];
    if (type !== 'object' && type !== 'native') return undefined;
    const name = strings[nodes[node * nf + nameAt]!]!;
    const candidates = AMBIGUOUS[name];
    const label = candidates ? candidates.find(([p]) => hasProperty(node, p))?.[1] : name;
    return label !== undefined && OWNERS.has(label) ? label : undefined;
  };
  // Breadth first from the root over strong edges: a node's owner is its own label or its parent's owner.
  const owner = new Array<string | undefined>(count);
  const seen = new Uint8Array(count);
  const queue = new Int32Array(count);
  let head = 0;
  let tail = 0;
  queue[tail++] = 0;
  seen[0] = 1;
  const bytes = new Map<string, number>();
  while (head < tail) {
    const node = queue[head++]!;
    const mine = owner[node];
    const key = mine ?? '(elsewhere)';
    bytes.set(key, (bytes.get(key) ?? 0) + nodes[node * nf + sizeAt]!);
    for (let e = firstEdge[node]!; e < firstEdge[node + 1]!; e += ef) {
      if (edges[e + edgeTypeAt] === weak) continue;
      const to = edges[e + toAt]! / nf;
      if (seen[to]) continue;
      seen[to] = 1;
      owner[to] = ownerLabel(to) ?? mine;
      queue[tail++] = to;
    }
  }
  return bytes;
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

/** What each of `sessions` added sessions keeps by owner (HeapSummary.byOwner), largest first; those under `minBytes` are summed as "(other)". */
export function ownersPerSession(before: HeapSummary, after: HeapSummary, sessions: number, minBytes = 16): Array<{ owner: string; bytesPerSession: number }> {
  const out: Array<{ owner: string; bytesPerSession: number }> = [];
  let other = 0;
  for (const [owner, a] of after.byOwner) {
    const bytes = (a - (before.byOwner.get(owner) ?? 0)) / sessions;
    if (Math.abs(bytes) < minBytes) other += bytes;
    else out.push({ owner, bytesPerSession: Math.round(bytes) });
  }
  out.sort((x, y) => y.bytesPerSession - x.bytesPerSession);
  out.push({ owner: '(other)', bytesPerSession: Math.round(other) });
  return out;
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
