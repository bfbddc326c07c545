"""PRISM Complete's Python: the draft-head pipeline (data, model, train, export, card) and the
reference implementations the TypeScript runtime is tested against (reference, tiny_gguf)."""
