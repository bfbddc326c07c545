// The environment the language server process starts with (the extension and the benchmarks
// spawn it alike).
//
// glibc raises its mmap threshold each time a large block is freed, up to 32 MiB, after which
// blocks of that size come from the malloc arenas and stay there as fragmented free space. The
// server frees multi-megabyte blocks all the time (a head's prompt prefill, prefill chunks), so
// its resident size crept up by tens of MiB; a fixed threshold (which also fixes the trim
// threshold) keeps large blocks in mmap, returned to the system when freed. Measured in the
// typing trace with the hybrid drafter: docs/BENCHMARKS.md "Where the server's memory went".
// Other C libraries ignore the variable; a value the user set is kept.
//
// ONNX Runtime's telemetry is off from the process's start (ORT_DISABLE_TELEMETRY=1, whatever the
// user's environment says; server/engine/ort-private.ts says why and sets it again in-process).
export function serverEnv(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { MALLOC_MMAP_THRESHOLD_: '131072', ...base, ORT_DISABLE_TELEMETRY: '1' };
}
