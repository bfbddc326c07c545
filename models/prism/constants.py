"""Constants the draft-head pipeline shares with the TypeScript runtime (server/engine/masks.ts)."""

# Additive attention mask value for a position a query may not see.
MASK_NEG = -1e9


def default_sigma(steps, modules):
    """sigma(k) for k = 1..steps when none is given: min(k, M), 1-based (step k runs module sigma(k))."""
    return [min(k, modules) for k in range(1, steps + 1)]
