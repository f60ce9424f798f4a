/**
 * Writes to actors while a scenario runs, as a game service would: each write stores a subsystem
 * output (bumping `actors.version`, ActorRepository.putSubsystem) and then enqueues the actor at that
 * version (ResolveProducer.enqueueAtVersion) — the two steps of ActorWriter.putSubsystem, taken apart
 * so that each can be retried on its own while a store is down (a producer fails fast by design, and
 * the caller retries). Retrying a write whose commit was lost only bumps the version once more, which
 * the final check then demands: nothing resolved from stale data.
 */
import type { ActorRepository } from '../../../src/adapters/pg';
import { isActorCoreError } from '../../../src/core';
import type { ResolveProducer } from '../../../src/producer';
import { sleep } from '../../support/cluster';
import { rng } from '../../support/arbitraries';

export interface UpdaterStats {
  writes: number;
  actorsUpdated: number;
  /** Failed tries of a Postgres write that were tried again (the store was down). */
  writeRetries: number;
  /** Failed tries of an enqueue that were tried again (Redis was down). */
  enqueueRetries: number;
  /**
   * Errors that were not the product's retryable STORE_UNAVAILABLE (distinct messages): a store
   * failure should reach the caller as STORE_UNAVAILABLE, so anything here is worth a look.
   */
  otherErrors: string[];
}

/** How long one write may keep failing before the scenario fails: far longer than any outage here. */
const GIVE_UP_MS = 90_000;
const RETRY_PAUSE_MS = 200;
/** A few hot actors are written again and again, the others once or twice. */
const HOT_ACTORS = 40;

export class ActorUpdater {
  readonly jobIds: string[] = [];
  private readonly updated = new Set<string>();
  private writes = 0;
  private writeRetries = 0;
  private enqueueRetries = 0;
  private readonly otherErrors = new Set<string>();
  private running: Promise<void> | undefined;
  private stopRequested = false;
  private random: () => number;

  constructor(
    private readonly actors: ActorRepository,
    private readonly producer: ResolveProducer,
    private readonly ids: readonly string[],
    seed: number,
  ) {
    this.random = rng(seed);
  }

  /** Starts writing, one write after another, `pauseMs` apart, until stop(). */
  start(pauseMs: number): void {
    this.running ??= (async () => {
      while (!this.stopRequested) {
        await this.writeOne();
        await sleep(pauseMs);
      }
    })();
  }

  /** Stops after the write in progress (which is retried until it is stored and enqueued). */
  async stop(): Promise<UpdaterStats> {
    this.stopRequested = true;
    await this.running;
    return this.stats();
  }

  stats(): UpdaterStats {
    return {
      writes: this.writes,
      actorsUpdated: this.updated.size,
      writeRetries: this.writeRetries,
      enqueueRetries: this.enqueueRetries,
      otherErrors: [...this.otherErrors],
    };
  }

  private pick(): string {
    const hot = this.random() < 0.5;
    const range = hot ? Math.min(HOT_ACTORS, this.ids.length) : this.ids.length;
    // Hot actors are spread over the id range, so their bulk jobs run at different times.
    const index = Math.floor(this.random() * range);
    return hot ? this.ids[Math.floor((index * this.ids.length) / range)]! : this.ids[index]!;
  }

  private async writeOne(): Promise<void> {
    const actorId = this.pick();
    const n = this.writes + 1;
    const output = {
      primary: [{ dimension: 'strength', bucket: 'FLAT', value: 1 + (n % 97), system: 'fault_probe' }],
      derived: [],
      caps: [],
      meta: { system: 'fault_probe' },
    };
    const version = await this.retrying(
      () => this.actors.putSubsystem(actorId, output),
      () => this.writeRetries++,
    );
    const jobId = await this.retrying(
      () => this.producer.enqueueAtVersion(actorId, version, { priority: 'change' }),
      () => this.enqueueRetries++,
    );
    this.writes = n;
    this.updated.add(actorId);
    this.jobIds.push(jobId);
  }

  /**
   * `attempt()` again while it fails, up to GIVE_UP_MS, unless the error is a permanent ActorCoreError
   * (bad input: no retry can fix it). Errors of other kinds are retried too, and kept for the report.
   */
  private async retrying<T>(attempt: () => Promise<T>, onRetry: () => void): Promise<T> {
    const deadline = Date.now() + GIVE_UP_MS;
    for (;;) {
      try {
        return await attempt();
      } catch (err) {
        const permanent = isActorCoreError(err) && err.permanent;
        if (permanent || Date.now() > deadline) throw err;
        if (!isActorCoreError(err) && this.otherErrors.size < 10) this.otherErrors.add(String(err));
        onRetry();
        await sleep(RETRY_PAUSE_MS);
      }
    }
  }
}
