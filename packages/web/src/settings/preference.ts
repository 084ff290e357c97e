/**
 * One setting kept in localStorage, readable from React with useSyncExternalStore. Other tabs
 * follow a change through the `storage` event, so all tabs look and sound the same.
 */
export class Preference<T extends string> {
  private readonly listeners = new Set<() => void>();
  private value: T;

  constructor(
    private readonly key: string,
    private readonly allowed: readonly T[],
    private readonly fallback: T,
  ) {
    this.value = this.read();
    window.addEventListener("storage", (event) => {
      if (event.key !== this.key) return;
      this.value = this.read();
      this.notify();
    });
  }

  get = (): T => this.value;

  set(value: T): void {
    this.value = value;
    try {
      localStorage.setItem(this.key, value);
    } catch {
      // Storage refused (private mode, quota): the choice holds for this page only.
    }
    this.notify();
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private read(): T {
    let stored: string | null = null;
    try {
      stored = localStorage.getItem(this.key);
    } catch {
      // No storage: the default.
    }
    return this.allowed.find((v) => v === stored) ?? this.fallback;
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }
}
