// A typed event emitter with once-listeners and disposal.
export type Listener<T> = (event: T) => void;

export interface Disposable {
  dispose(): void;
}

export class Emitter<Events extends Record<string, unknown>> {
  private listeners = new Map<keyof Events, Set<Listener<never>>>();

  on<K extends keyof Events>(name: K, listener: Listener<Events[K]>): Disposable {
    let set = this.listeners.get(name);
    if (!set) {
      set = new Set();
      this.listeners.set(name, set);
    }
    set.add(listener as Listener<never>);
    return { dispose: () => this.off(name, listener) };
  }

  once<K extends keyof Events>(name: K, listener: Listener<Events[K]>): Disposable {
    const wrapped: Listener<Events[K]> = (event) => {
      this.off(name, wrapped);
      listener(event);
    };
    return this.on(name, wrapped);
  }

  off<K extends keyof Events>(name: K, listener: Listener<Events[K]>): void {
    const set = this.listeners.get(name);
    if (!set) return;
    set.delete(listener as Listener<never>);
    if (set.size === 0) this.listeners.delete(name);
  }

  emit<K extends keyof Events>(name: K, event: Events[K]): number {
    const set = this.listeners.get(name);
    if (!set) return 0;
    let count = 0;
    for (const listener of [...set]) {
      (listener as Listener<Events[K]>)(event);
      count++;
    }
    return count;
  }

  listenerCount(name: keyof Events): number {
    return this.listeners.get(name)?.size ?? 0;
  }
}

export function debounce<A extends unknown[]>(fn: (...args: A) => void, waitMs: number): (...args: A) => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return (...args: A) => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => fn(...args), waitMs);
  };
}
