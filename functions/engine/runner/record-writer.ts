import type { ChangeCounts, DeleteOutcome, PartitionWriter, RecordInput, SaveOptions, SaveOutcome } from '../ports.js';

export interface RecordWriterOptions {
  /** The run's writer for a model's partition (opened once per model by the session). */
  writerFor: (model: string) => Promise<PartitionWriter>;
  /** Records per store call; the store splits further where DynamoDB needs it. */
  batchSize: number;
  /** Store calls in flight at once. Memory held is at most batchSize × (concurrency + 1) records. */
  concurrency: number;
  onRejected: (model: string, id: string, reason: string) => void;
  /** Records of one batch the store left as they were (`ignore_if_modified_after`). */
  onSkipped?: (model: string, ids: string[]) => void;
  /** How a model's batches are saved, read when each batch is written. */
  saveOptions?: (model: string) => SaveOptions;
  /** Called before each store call; may throw to stop the run (deadline, lost lease). */
  beforeFlush: () => Promise<void>;
}

/**
 * Buffers saved records per model and writes them in bounded batches with bounded
 * parallelism. A later record with the same id replaces an earlier one still in the buffer.
 * Errors of a background write surface at the next `save` or `drain`.
 */
export class RecordWriter {
  private readonly buffers = new Map<string, Map<string, RecordInput>>();
  private readonly inFlight = new Set<Promise<void>>();
  /** Records being written, as `model\0id`: a later version of one waits for the earlier write. */
  private readonly writingIds = new Set<string>();
  private failure: unknown = null;
  /** What this invocation's writes did, per model. */
  readonly tallies = new Map<string, ChangeCounts>();

  constructor(private readonly options: RecordWriterOptions) {}

  async save(model: string, records: RecordInput[]): Promise<void> {
    this.throwIfFailed();
    let buffer = this.buffers.get(model);
    if (!buffer) this.buffers.set(model, (buffer = new Map()));
    for (const record of records) {
      buffer.delete(record.id); // re-insert so the buffer keeps last-write order
      buffer.set(record.id, record);
      if (buffer.size >= this.options.batchSize) {
        await this.flush(model, buffer);
        buffer = new Map();
        this.buffers.set(model, buffer);
      }
    }
  }

  /** Writes everything buffered (for one model, or all) and waits for every write in flight. */
  async drain(model?: string): Promise<void> {
    const models = model === undefined ? [...this.buffers.keys()] : [model];
    for (const name of models) {
      const buffer = this.buffers.get(name);
      if (buffer && buffer.size > 0) {
        this.buffers.set(name, new Map());
        await this.flush(name, buffer);
      }
    }
    await Promise.all([...this.inFlight]);
    this.throwIfFailed();
  }

  private async flush(model: string, buffer: Map<string, RecordInput>): Promise<void> {
    const batch = [...buffer.values()];
    const keys = batch.map((record) => `${model}\0${record.id}`);
    // Two writes of one record in flight could land in either order, and the older one win.
    while (this.inFlight.size >= this.options.concurrency || keys.some((key) => this.writingIds.has(key))) {
      await Promise.race(this.inFlight);
      this.throwIfFailed();
    }
    await this.options.beforeFlush();
    const target = await this.options.writerFor(model);
    for (const key of keys) this.writingIds.add(key);
    const write = target
      .save(batch, this.options.saveOptions?.(model) ?? {})
      .then((outcomes) => this.report(model, outcomes))
      .catch((error: unknown) => {
        this.failure ??= error;
      })
      .finally(() => {
        for (const key of keys) this.writingIds.delete(key);
        this.inFlight.delete(write);
      });
    this.inFlight.add(write);
  }

  private report(model: string, outcomes: SaveOutcome[]): void {
    const tally = this.tally(model);
    const skipped: string[] = [];
    for (const outcome of outcomes) {
      if (outcome.result === 'REJECTED') this.options.onRejected(model, outcome.id, outcome.reason);
      else if (outcome.result === 'ADDED') tally.added++;
      else if (outcome.result === 'UPDATED') tally.updated++;
      else if (outcome.result === 'SKIPPED') skipped.push(outcome.id);
    }
    if (skipped.length > 0) this.options.onSkipped?.(model, skipped);
  }

  /** True once this invocation's writes changed anything: a run that hands over without this (or a new checkpoint) made no progress. */
  get changedAnything(): boolean {
    for (const tally of this.tallies.values()) if (tally.added + tally.updated + tally.deleted > 0) return true;
    return false;
  }

  /** Counts deletions made outside the writer (batchDelete, deletion detection). */
  countDeleted(model: string, outcomes: DeleteOutcome[]): void {
    this.tally(model).deleted += outcomes.filter((o) => o.result === 'DELETED').length;
  }

  private tally(model: string): ChangeCounts {
    let tally = this.tallies.get(model);
    if (!tally) this.tallies.set(model, (tally = { added: 0, updated: 0, deleted: 0 }));
    return tally;
  }

  private throwIfFailed(): void {
    if (this.failure !== null) throw this.failure;
  }
}
