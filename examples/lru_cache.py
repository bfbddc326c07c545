"""A small least-recently-used cache with optional time-to-live."""
import time
from collections import OrderedDict


class LRUCache:
    def __init__(self, capacity: int, ttl: float | None = None):
        if capacity <= 0:
            raise ValueError("capacity must be positive")
        self.capacity = capacity
        self.ttl = ttl
        self._data: OrderedDict[str, tuple[float, object]] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, key: str, default=None):
        entry = self._data.get(key)
        if entry is None:
            self.misses += 1
            return default
        stamp, value = entry
        if self.ttl is not None and time.monotonic() - stamp > self.ttl:
            del self._data[key]
            self.misses += 1
            return default
        self._data.move_to_end(key)
        self.hits += 1
        return value

    def put(self, key: str, value) -> None:
        if key in self._data:
            self._data.move_to_end(key)
        self._data[key] = (time.monotonic(), value)
        while len(self._data) > self.capacity:
            self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: str) -> bool:
        return self.get(key) is not None

    def hit_rate(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 0.0


def fibonacci(n: int, cache: LRUCache) -> int:
    if n < 2:
        return n
    cached = cache.get(str(n))
    if cached is not None:
        return cached
    value = fibonacci(n - 1, cache) + fibonacci(n - 2, cache)
    cache.put(str(n), value)
    return value
