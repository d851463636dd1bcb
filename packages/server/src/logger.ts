/**
 * The process logger: pino JSON to stdout through an asynchronous destination, so that logging never
 * blocks the event loop on a hot path. Flushed on shutdown.
 */
import pino, { type Logger } from 'pino';
import type { LogLevel } from './config.ts';

export function createLogger(level: LogLevel): Logger {
  return pino({ level, base: { pid: process.pid } }, pino.destination({ sync: false, minLength: 4096 }));
}

/** A logger that writes nothing (tests that do not look at logs). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
