import type { Logger } from '../../ports/logger';
import type { RuntimeEvent } from '../../ports/runtime';

/** A runtime's event subscribers: each is called in turn, and one that throws does not stop the rest. */
export class RuntimeListeners {
  private readonly listeners = new Set<(event: RuntimeEvent) => void>();

  constructor(private readonly logger: Logger) {}

  add(listener: (event: RuntimeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: RuntimeEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.logger.error({ err: error, event: event.type }, 'runtime event listener failed');
      }
    }
  }
}
