/** A process could not start: its message says which dependency and what to do; main.ts prints it and exits 1. */
export class StartupError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'StartupError';
  }
}
