// The workspace datastore's suffix array, sorted in a thread of its own at the lowest CPU
// priority: sorting 5.5M tokens takes ~3 s, and in the engine worker it held back every completion
// asked meanwhile (2.4-3.7 s, docs/BENCHMARKS.md "A big workspace's datastore"). Here a
// completion's threads run first, and the sort takes the time they leave. One message in (the
// tokens, transferred), one out (the tokens and their suffix array, transferred back), then the
// thread ends.
import * as os from 'node:os';
import { parentPort } from 'node:worker_threads';
import { suffixArray } from './datastore';

/** What the engine worker sends. */
export interface SortRequest { tokens: Int32Array; key: number }
/** What comes back: the same tokens and their suffix array, or why it failed. */
export type SortReply = { tokens: Int32Array; sa: Int32Array } | { error: string };

// On Linux a thread's nice value is its own (setpriority on the calling thread); elsewhere it
// would be the whole server's, so the sort runs at normal priority there.
if (process.platform === 'linux') {
  try { os.setPriority(os.constants.priority.PRIORITY_LOW); } catch { /* not allowed: normal priority */ }
}

parentPort?.once('message', (m: SortRequest) => {
  try {
    const sa = suffixArray(m.tokens, m.key);
    const reply: SortReply = { tokens: m.tokens, sa };
    parentPort?.postMessage(reply, [m.tokens.buffer as ArrayBuffer, sa.buffer as ArrayBuffer]);
  } catch (e) {
    parentPort?.postMessage({ error: (e as Error).message ?? String(e) } satisfies SortReply);
  }
});
