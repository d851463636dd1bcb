/**
 * Messages between the harness and its child processes (load clients and baseline servers), over the
 * IPC channel that `child_process.fork` opens.
 */
import type { HistogramJson } from './histogram.ts';

/**
 * How a load client reaches a target. `eio`: engine.io v4 + socket.io packets spoken directly over a
 * WebSocket (cheap, identical client cost for every target); `ws`: the bare ws baseline's JSON frames;
 * `sio`: the real socket.io-client 4 `io(url)`.
 */
export interface ConnectSpec {
  protocol: 'eio' | 'ws' | 'sio';
  url: string;
}

/** The socket.io v4 handshake auth of a chat (GitpleLive SDK) connection, DESIGN.md's `{app_id, user_id, token}`. */
export interface ChatAuth {
  app_id: string;
  user_id: string;
  token: string;
}

export type ToClient =
  | {
      type: 'connect';
      spec: ConnectSpec;
      count: number;
      /** Socket i subscribes to channels[i % channels.length]. */
      channels: string[];
      /** Handshakes in flight at once. */
      concurrency: number;
      /**
       * Report `progress`: per channel, the publications every socket of this process subscribed to it
       * has received (fan-out completion; each publication goes to one channel).
       */
      trackCompletion: boolean;
      /**
       * Chat connections instead of RTCS subscriptions: socket i authenticates with auths[i] in its
       * socket.io CONNECT packet and counts `group:message_send` events (`channels` is then unused).
       */
      auths?: ChatAuth[];
    }
  | {
      /** `cycles` times connect → subscribe → disconnect, at most `concurrency` at once (a soak). */
      type: 'churn';
      spec: ConnectSpec;
      channels: string[];
      cycles: number;
      concurrency: number;
    }
  | { type: 'reset' }
  | { type: 'stats' }
  | { type: 'close' };

export type FromClient =
  /** `tracked` (with trackCompletion): the sockets subscribed to each channel, those with none left out. */
  | { type: 'connected'; ok: number; failed: number; firstError?: string; tracked?: Record<string, number> }
  | { type: 'progress'; done: Record<string, number> }
  | { type: 'churned'; ok: number; failed: number; firstError?: string }
  | { type: 'stats'; received: number; latency: HistogramJson };

/** Sent by a baseline server once it listens. */
export interface ReadyMessage {
  type: 'ready';
  port: number;
}

/** Harness → target: write a heap snapshot to `path` (targets/heap-snapshot-responder.ts). */
export interface HeapSnapshotRequest {
  type: 'heap-snapshot';
  path: string;
}

export interface HeapSnapshotReply {
  type: 'heap-snapshot-written';
  file: string;
}
