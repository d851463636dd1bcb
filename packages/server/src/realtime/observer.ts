/**
 * What the realtime layer reports about itself. The metrics module implements it; the realtime code
 * stays free of any metrics library.
 */
export interface RealtimeObserver {
  /** A publication was accepted by the API for `channels` channels. */
  published(channels: number): void;
  /** This node wrote one publication to `sessions` local sessions. */
  delivered(sessions: number): void;
  /** A session was disconnected: flooding, or not reading what it is sent. */
  dropped(reason: 'flood' | 'slow_consumer'): void;
}

export const NO_OBSERVER: RealtimeObserver = {
  published() {},
  delivered() {},
  dropped() {},
};
