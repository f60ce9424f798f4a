/**
 * Bull Board, the BullMQ dashboard, for the resolve queues, as an express Router. It carries no auth of
 * its own: the API mounts it at `basePath` behind its admin check. `basePath` must be where it is
 * finally mounted, because the page's links and API calls are built from it.
 */
import { createBullBoard } from '@bull-board/api';
import type { IServerAdapter } from '@bull-board/api/dist/types';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import { Router } from 'express';

export const DEFAULT_BULL_BOARD_PATH = '/admin/queues';

export interface BullBoardOptions {
  /** No retry, clean, pause or delete buttons (default false: the board is for admins). */
  readOnly?: boolean;
  /** Shown in the page header; default "Actor Core". */
  title?: string;
}

/** A router serving Bull Board for `queues` (e.g. `[producer.queue, producer.interactiveQueue]`). */
export function createBullBoardRouter(
  queues: readonly Queue[],
  basePath: string = DEFAULT_BULL_BOARD_PATH,
  options: BullBoardOptions = {},
): Router {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(basePath);
  createBullBoard({
    queues: queues.map((queue) => new BullMQAdapter(queue, { readOnlyMode: options.readOnly === true })),
    // @bull-board/express 9.10.1 pins its own copy of @bull-board/api 9.10.1, whose adapter class is
    // nominally (private fields) but not structurally different from 9.10.2's: same shape at run time.
    serverAdapter: serverAdapter as unknown as IServerAdapter,
    options: { uiConfig: { boardTitle: options.title ?? 'Actor Core', hideDocsLink: true } },
  });
  // getRouter() returns Bull Board's own express app (typed any); a Router around it gives callers
  // a typed value to mount.
  const router = Router({ caseSensitive: true });
  router.use(serverAdapter.getRouter() as Router);
  return router;
}
