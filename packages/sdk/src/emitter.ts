/**
 * A small typed event emitter: `on`/`off` are checked against an event map, so a renamed event or a
 * wrong handler signature fails to compile. A throwing listener never stops the others.
 */

// Listener maps are declared with concrete parameter types; `never[]` is the widest parameter list
// every such function is assignable to. A mapped constraint (not an index signature) admits interfaces.
export type EventMap<Events> = { [K in keyof Events]: (...args: never[]) => void };

export class TypedEmitter<Events extends EventMap<Events>> {
  private readonly listeners = new Map<keyof Events, Set<Events[keyof Events]>>();

  /**
   * Adds a listener.
   * @example client.on('group:message_send', (message, channel) => console.log(channel.channel_id, message.content));
   */
  on<E extends keyof Events>(event: E, listener: Events[E]): this {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener);
    return this;
  }

  /**
   * Removes one listener, or every listener of the event when none is given.
   * @example client.off('group:message_send', onMessage);
   */
  off<E extends keyof Events>(event: E, listener?: Events[E]): this {
    if (listener === undefined) this.listeners.delete(event);
    else this.listeners.get(event)?.delete(listener);
    return this;
  }

  protected emit<E extends keyof Events>(event: E, ...args: Parameters<Events[E]>): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as (...a: Parameters<Events[E]>) => void)(...args);
      } catch (err) {
        // An application bug must not break delivery to other listeners; it still surfaces uncaught.
        setTimeout(() => {
          throw err;
        }, 0);
      }
    }
  }
}
