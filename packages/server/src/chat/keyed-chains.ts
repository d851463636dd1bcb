/**
 * Tasks run one after another per key, tasks of different keys side by side: what keeps a channel's
 * events, or one user's typing changes, in the order they were issued while each awaits queries that
 * may answer in any order. A key's chain is dropped once its last task settles.
 */
export class KeyedChains {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `task` once the earlier tasks of `key` have settled (failed or not); answers its result. */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const result = (this.tails.get(key) ?? Promise.resolve()).then(task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Chains with a task still to settle. */
  get size(): number {
    return this.tails.size;
  }

  /** Resolves once every task run so far, and every task those added, has settled. */
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all(this.tails.values());
  }
}
