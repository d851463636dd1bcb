/**
 * Answers the harness's `heap-snapshot` request (lib/heap-snapshot.ts) in a target process: writes a
 * V8 heap snapshot (which collects garbage first) to the path asked for and says when it is done.
 * Imported by every target entry, so that Parley and the baselines are measured the same way.
 */
import { writeHeapSnapshot } from 'node:v8';
import type { HeapSnapshotReply, HeapSnapshotRequest } from '../lib/ipc.ts';

process.on('message', (msg: HeapSnapshotRequest) => {
  if (msg?.type !== 'heap-snapshot') return;
  const file = writeHeapSnapshot(msg.path);
  const reply: HeapSnapshotReply = { type: 'heap-snapshot-written', file };
  process.send?.(reply);
});
