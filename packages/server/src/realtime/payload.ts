/**
 * The arguments of a publication (`event(...args)`), serialised at most once per node: kept as the
 * JSON the API already made or the cluster bus carried, or as the values a caller built, and turned
 * into the other form only when, and the first time, a writer needs it. Payloads are JSON values (no
 * binary attachments): what the APIs accept and what the chat presents.
 */
export class Payload {
  private constructor(
    private values: readonly unknown[] | undefined,
    private text: string | undefined,
  ) {}

  /** @example Payload.of([message, channel]) */
  static of(args: readonly unknown[]): Payload {
    return new Payload(args, undefined);
  }

  /** `json` is the JSON array of the arguments. @example Payload.fromJson('[{"text":"hi"}]') */
  static fromJson(json: string): Payload {
    return new Payload(undefined, json);
  }

  /** The arguments as a JSON array. */
  get json(): string {
    return (this.text ??= JSON.stringify(this.values));
  }

  get args(): readonly unknown[] {
    return (this.values ??= JSON.parse(this.text!) as unknown[]);
  }

  /** `[event, ...args]` as JSON, without serialising the arguments again. */
  eventJson(event: string): string {
    const json = this.json;
    return json === '[]' ? `[${JSON.stringify(event)}]` : `[${JSON.stringify(event)},${json.slice(1)}`;
  }
}
