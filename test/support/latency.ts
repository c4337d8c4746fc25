/** Wraps an object so that every method call first waits `ms` (as over a network): lets concurrent work interleave. */
export function withLatency<T extends object>(target: T, ms: number): T {
  return new Proxy(target, {
    get(t, key, receiver) {
      const value = Reflect.get(t, key, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        await new Promise((resolve) => setTimeout(resolve, ms));
        return (value as (...a: unknown[]) => unknown).apply(t, args);
      };
    },
  });
}
