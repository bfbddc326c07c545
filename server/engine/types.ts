// What crosses the worker boundary: a completion request, its result, timings and speculative
// statistics. Plain data only (structured-clone safe); the engine, the worker client, the language
// server, the CLI and the benchmarks all speak it.
import type { TreeParams } from './drafter';
import type { NgramOptions } from './ngram';
import type { SamplingParams } from './sampler';

export interface CompletionRequest {
  /** Text to continue. */
  prompt: string;
  maxTokens: number;
  sampling?: SamplingParams;
  /** Generation stops before the first occurrence of any of these strings. */
  stop?: string[];
  /** Parse control-token strings such as <fim_prefix> in the prompt (for FIM prompts). */
  allowSpecial?: boolean;
  /**
   * Token healing: the prompt's last token (a partial word, trailing indentation, half an
   * operator) is taken off and the first generated tokens must spell it again, so the model
   * continues from a natural token boundary. The healed characters are not repeated in `text`.
   */
  heal?: boolean;
  /**
   * The prompt ends at a whole word (an IntelliSense item the user selected): the completion must
   * not go on with a letter, digit, `_` or `$` right after it (after the healed characters, when
   * healing), so it never turns the selected identifier into another one.
   */
  wordEnd?: boolean;
  /**
   * Time budget in ms from the start of the request: once spent, generation ends at the next line
   * boundary (finish 'time'), so a slow machine still shows whole lines.
   */
  timeBudgetMs?: number;
  /**
   * Time budget in ms for the first line, counted from the end of the prompt phase (a cold
   * prompt's prefill is not held against it): once spent while the first line is still open,
   * generation ends at the next word boundary (after punctuation or an operator, or before a
   * space after a whole word; at twice the budget, anywhere: finish 'time'),
   * so a long line shows its beginning on time and the rest comes with the next request.
   */
  firstLineBudgetMs?: number;
  /**
   * With firstLineBudgetMs: where the budget runs out, the text so far is marked (onText's
   * `early`) and generation goes on instead of ending: a reply can show it while the rest is
   * decoded (the language server's prism.progressive).
   */
  firstLineEarly?: boolean;
  /**
   * Stop strings count only from the first character that is not white space: a completion that
   * starts with line breaks (the one after an accepted line, the language server's mode 'next')
   * is not stopped by them; one whose first line has content ends with that line.
   */
  stopAfterContent?: boolean;
  /** Benchmarks: recompute the whole prompt instead of reusing the cached prefix. */
  fresh?: boolean;
  /**
   * The context the prompt belongs to (the language server: the document's URI). The engine
   * keeps the KV caches of the last `cacheSlots` contexts (default 1: one cache for all), so the
   * prompt of a document the user comes back to is reused instead of computed again.
   */
  cacheKey?: string;
  cacheSlots?: number;
  /**
   * Only bring the KV cache to this prompt (healed as `heal` says), generate nothing: the
   * language server warms a document's cursor when it becomes active. Cancelled, it still keeps
   * what it computed.
   */
  prefillOnly?: boolean;
  /**
   * With prefillOnly: the prompt at a moved start (the language server moves it while the user
   * pauses). Where the cache shares less than half of it, it is computed in a second cache of the
   * context, and the first stays until it is whole: cancelled, typing goes on with the old prompt
   * at no cost, and a later request at the new start goes on from what was computed.
   */
  spare?: boolean;
  /**
   * Keep the target's taps of every position this request computes (the prompt, and the tokens
   * it generates) even where its drafter reads none (a warm-up, plain decoding, lookup alone), so
   * that a later request drafting with a head (which reads them) reuses the cache instead of
   * running every position since the taps ended again: auto switches between its drafters.
   */
  keepTaps?: boolean;
  /**
   * Only count the prompt's tokens (timings.promptTokens; no healing): no cache, no drafter, no
   * model run. The language server learns a document's chars per token from it before it places
   * the document's first prompt.
   */
  countOnly?: boolean;
  /** Benchmarks: keep generating past end-of-sequence tokens. */
  ignoreEos?: boolean;
  /** Speculative decoding with a named drafter (resolved by the worker), and its tree shape. */
  draft?: DraftRequest;
}

/**
 * 'head': a trained draft head (PRISM, EAGLE-3) read from `head`, a .gguf path; 'hybrid': n-gram
 * lookup where it has a match, that head (chains of `headDepth`) where it has none.
 */
export type DrafterName = 'none' | 'ngram' | 'head' | 'hybrid';

export interface DraftRequest {
  drafter: DrafterName;
  tree?: Partial<TreeParams>;
  ngram?: Partial<NgramOptions>;
  head?: string;
  /** 'hybrid': the head's chain depth where lookup is silent (default HYBRID_HEAD_DEPTH). */
  headDepth?: number;
  /** 'hybrid': the head's nodes past the first need this cumulative probability (default HYBRID_HEAD_MIN_PROB). */
  headMinProb?: number;
  /**
   * 'hybrid' drafting trees (tree kind dynamic or static): where lookup proposes, the head's most
   * likely token also goes below the root, beside lookup's first, when the head gives it at least
   * this probability (unset: lookup's proposal alone).
   */
  headSibling?: number;
  /** With headSibling: only where lookup's match is at most this many tokens long (unset: any). */
  headSiblingMaxMatch?: number;
  /** n-gram drafting also looks up the repository datastore (default true; empty until indexed). */
  datastore?: boolean;
}

export type FinishReason = 'stop' | 'length' | 'eos' | 'cancelled' | 'time';

export interface Timings {
  promptTokens: number;
  /** Prompt tokens whose KV entries were reused from the previous call. */
  reusedTokens: number;
  prefillTokens: number;
  /** The prompt phase: the target's prefill, and a draft head's prefill of the same prompt (Drafter.prime). */
  prefillMs: number;
  decodeTokens: number;
  decodeMs: number;
  decodeTokensPerS: number;
  totalMs: number;
}

/** Speculative decoding measurements, returned with every speculative completion. */
export interface SpecStats {
  drafter: string;
  /** Target runs after the prefill (each verifies one tree). */
  targetRuns: number;
  /** Draft nodes proposed and accepted in total. */
  drafted: number;
  accepted: number;
  /** Tokens per target run, bonus included: (accepted + runs) / runs. */
  tau: number;
  /** acceptanceByDepth[d-1]: of the runs whose tree reached depth d, the share that accepted >= d tokens. */
  acceptanceByDepth: number[];
  /** The counts behind it: runs whose tree reached depth d, and of those, runs accepting >= d. */
  depthReached: number[];
  depthAccepted: number[];
  draftMs: number;
  verifyMs: number;
  otherMs: number;
  /** By verification block size (index r-1: blocks of r rows, root included): runs and their verify ms. */
  rowsRuns: number[];
  rowsMs: number[];
  /**
   * The same runs by what proposed their draft (DraftTree.source: 'lookup', 'recent', 'store', 'head'; 'none' for
   * runs that drafted nothing, 'other' for untagged drafts): the tuner models each source apart.
   */
  sources?: Record<string, SourceStats>;
  /**
   * Chains that grow (TreeParams.grow): runs by the chain depth they asked for (the base depth and
   * each grown one), those that accepted the whole chain (the next is longer) and those that drafted
   * nothing (the next keeps the depth). The runs at a grown depth D are in `sources` as 'lookup@D'
   * etc., apart from the base depth's: their acceptance follows a whole accepted chain.
   */
  growth?: Record<number, GrowthStats>;
}

export interface GrowthStats { runs: number; up: number; silent: number }

/** Speculative runs of one draft source. */
export interface SourceStats {
  runs: number;
  /** As SpecStats.depthReached / depthAccepted, over these runs. */
  depthReached: number[];
  depthAccepted: number[];
  /** Draft ms of these runs by the nodes drafted (index n: runs of n nodes): runs and their ms. */
  nodesRuns: number[];
  nodesMs: number[];
}

export interface CompletionResult {
  /** The generated text (without the healed characters). */
  text: string;
  tokens: number[];
  finishReason: FinishReason;
  timings: Timings;
  spec?: SpecStats;
  /** The characters token healing took off the prompt (the start of the generated tokens' text). */
  healed?: string;
}

/**
 * The reason to abort a request (AbortController.abort) with when the request that replaces it is
 * for another document: the engine then stops its prefill after the chunk under way, where it
 * would otherwise settle the prompt for a replacement that shares it (CompletionHooks.stopAtOnce).
 */
export const ABORT_ELSEWHERE = 'replaced by a request elsewhere';

export interface CompletionHooks {
  isCancelled?: () => boolean;
  /**
   * With isCancelled: the request that replaced this one wants another prompt (another
   * document), so a cancelled prefill stops after its chunk instead of settling for it.
   */
  stopAtOnce?: () => boolean;
  /**
   * Called with each new piece of text as it is decoded; `early`: the text so far is where an open
   * first line's budget ran out (CompletionRequest.firstLineEarly).
   */
  onText?: (delta: string, early?: boolean) => void;
}
