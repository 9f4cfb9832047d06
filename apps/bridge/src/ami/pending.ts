import type { AmiMessage } from './parser';

interface Pending {
  onResponse: (message: AmiMessage) => void;
  onFailure: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * Actions sent and not yet answered, by ActionID. A response is handed over synchronously, so events that
 * follow it in the same TCP chunk already see its effect (a Login's Success before the first event).
 */
export class PendingActions {
  readonly #byId = new Map<string, Pending>();

  add(
    id: string,
    what: string,
    timeoutMs: number,
    onResponse: (message: AmiMessage) => void,
    onFailure: (error: Error) => void,
  ): void {
    const timer = setTimeout(() => {
      this.#byId.delete(id);
      onFailure(new Error(`no response to ${what} within ${timeoutMs} ms`));
    }, timeoutMs);
    this.#byId.set(id, { onResponse, onFailure, timer });
  }

  /** Hands a `Response:` message to its action; false when it answers nothing we wait for. */
  settle(message: AmiMessage): boolean {
    const id = message.actionid;
    const pending = id === undefined || message.response === undefined ? undefined : this.#byId.get(id);
    if (id === undefined || !pending) return false;
    this.#byId.delete(id);
    clearTimeout(pending.timer);
    pending.onResponse(message);
    return true;
  }

  failAll(error: Error): void {
    for (const [id, pending] of this.#byId) {
      clearTimeout(pending.timer);
      this.#byId.delete(id);
      pending.onFailure(error);
    }
  }
}
