// A read shared by every collector of one collection: the first collector to ask starts
// it, the others join it, and the next collection reads afresh. So the cis collector and
// the daemon, images and containers collectors see the same facts and the engine is asked
// once.
export interface CollectionRef {
  readonly collection: number;
  readonly signal: AbortSignal;
  /** Milliseconds since the epoch (the collection's clock, injectable in tests). */
  now(): number;
}

export class PerCollection<T> {
  private last: { collection: number; value: Promise<T> } | undefined;

  constructor(private readonly read: (ref: CollectionRef) => Promise<T>) {}

  get(ref: CollectionRef): Promise<T> {
    if (this.last?.collection === ref.collection) return this.last.value;
    const value = this.read(ref);
    this.last = { collection: ref.collection, value };
    return value;
  }
}
