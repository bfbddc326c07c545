// Imported before onnxruntime-node by every module that runs graphs, and on the main thread by
// the engine client before it starts its worker (a worker's process.env is its own copy, which
// onnxruntime, reading the process's environment, does not see); also set in the language
// server's environment (common/server-env.ts). ONNX Runtime's telemetry stays off.
//
// onnxruntime 1.30.0, the version we pin (others report it from 1.29), starts Microsoft's 1DS
// telemetry uploader on Linux and macOS when its environment is created: it keeps a persistent
// device id and a queue of events (the process's CPU model, OS and memory; each session's model
// file name, graph hashes and run times) under $XDG_CACHE_HOME/Microsoft/DeveloperTools/.onnxruntime
// and uploads them to mobile.events.data.microsoft.com. Seen with 1.30.0 on the development
// machine: every process of ours that made a session wrote there, 2,896 events queued within 70
// minutes of benchmarks and editor sessions (its sqlite queue, read 2026-12-07). PRISM Complete is
// local and private, so ORT_DISABLE_TELEMETRY=1, which onnxruntime reads when it starts, is set
// before the library loads (test/remote/lsp-remote.test.ts checks the language server,
// test/cli.test.ts the command line; a value the user set is overridden).
process.env.ORT_DISABLE_TELEMETRY = '1';

export {};
