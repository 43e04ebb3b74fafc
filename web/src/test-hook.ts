// The browser tests read the pages' state through window.daraa (map sources, lists), never through pixels.
declare global {
  interface Window {
    daraa?: Record<string, unknown>;
  }
}

export function exposeForTests(values: Record<string, unknown>): void {
  window.daraa = { ...(window.daraa ?? {}), ...values };
}
