/**
 * The process logger, on stdout:
 * - `json` (default): pino JSON lines through an asynchronous destination that never holds lines back
 *   (no minimum write size: a line reaches stdout in milliseconds, not when 4 KB have gathered), so
 *   logging never blocks the event loop on a hot path; `flush()` writes what is pending before an exit;
 * - `pretty`: pino-pretty's coloured text for people at a terminal, written synchronously.
 * Every line logged while an HTTP request is handled carries that request's id (`reqId`), also lines
 * from services that log through the process logger rather than the request's own.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import pino, { type Logger, type LoggerOptions } from 'pino';
import pretty from 'pino-pretty';
import type { LogFormat, LogLevel } from './config.ts';

export interface ProcessLogger {
  log: Logger;
  /** Writes every pending line synchronously (before process.exit). */
  flush(): void;
}

/** The id of the HTTP request being handled, for lines logged outside its own child logger. */
const requestIds = new AsyncLocalStorage<string>();
/** Request child loggers already bind `reqId`: the mixin must not add it twice. */
const requestLoggers = new WeakSet<object>();

/** Runs `fn` (the rest of a request's handling) with `reqId` on every line logged meanwhile. */
export function withRequestId(reqId: string, fn: () => void): void {
  requestIds.run(reqId, fn);
}

/** Fastify's `childLoggerFactory`: the request's child logger, remembered as one that binds `reqId`. */
export function requestChildLogger(logger: Logger, bindings: pino.Bindings, options: pino.ChildLoggerOptions): Logger {
  const child = logger.child(bindings, options);
  requestLoggers.add(child);
  return child;
}

function options(level: LogLevel): LoggerOptions {
  return {
    level,
    base: { pid: process.pid },
    mixin(_object, _level, logger) {
      const reqId = requestIds.getStore();
      return reqId === undefined || requestLoggers.has(logger) ? {} : { reqId };
    },
  };
}

/**
 * @param destination where JSON lines go instead of stdout (tests)
 * @example const { log, flush } = createLogger('info', 'json'); log.info('hello'); flush();
 */
export function createLogger(level: LogLevel, format: LogFormat = 'json', destination?: pino.DestinationStream): ProcessLogger {
  if (destination) return { log: pino(options(level), destination), flush: () => undefined };
  if (format === 'pretty') {
    const stream = pretty({ colorize: process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', sync: true });
    return { log: pino(options(level), stream), flush: () => undefined };
  }
  const stdout = pino.destination({ dest: 1, sync: false });
  return {
    log: pino(options(level), stdout),
    flush: () => {
      // Throws while the destination is not ready yet (nothing written): then there is nothing to flush.
      try {
        stdout.flushSync();
      } catch {
        // nothing pending
      }
    },
  };
}

/** A logger that writes nothing (tests that do not look at logs). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
