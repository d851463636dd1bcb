/**
 * The rounds of a background worker (the export jobs, the chat webhook dispatcher): one at a time, a
 * wake during a round runs one more right after it (however many wakes came), and a failed round is
 * reported, never thrown. Rounds run outside the query budgets of tests (`uncounted`): a worker's
 * statements are no request's cost.
 */
import { uncounted } from '../storage/query-counter.ts';

export class BackgroundRounds {
  private current: Promise<void> | undefined;
  private again = false;

  /** `active`: whether the worker runs at all (a stopped one starts no round, not even one asked for during the last). */
  constructor(
    private readonly round: () => Promise<void>,
    private readonly failed: (err: unknown) => void,
    private readonly active: () => boolean,
  ) {}

  /** Runs a round now, or right after the one under way. */
  wake(): void {
    if (!this.active()) return;
    if (this.current) {
      this.again = true;
      return;
    }
    this.current = uncounted(this.round)
      .catch(this.failed)
      .finally(() => {
        this.current = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /** Resolves once the round under way (if any) has ended. */
  async settled(): Promise<void> {
    await this.current;
  }
}
