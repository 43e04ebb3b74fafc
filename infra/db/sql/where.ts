/**
 * Builds a parameterised WHERE clause: `add('status = ?', v)` numbers the placeholder;
 * every `?` of one condition is the same parameter.
 */
export class Where {
  readonly params: unknown[] = [];
  private readonly parts: string[] = [];

  /** Adds `condition` when `value` is defined. */
  add(condition: string, value: unknown): this {
    if (value === undefined) return this;
    this.params.push(value);
    this.parts.push(condition.replaceAll('?', `$${this.params.length}`));
    return this;
  }

  /** Adds a condition without a parameter (a constant of the domain, never user input). */
  raw(condition: string, when: boolean | undefined): this {
    if (when) this.parts.push(condition);
    return this;
  }

  toString(): string {
    return this.parts.length ? `where ${this.parts.join(' and ')}` : '';
  }
}
