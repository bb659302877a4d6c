/**
 * Request-body validation that collects every problem before answering, like the API's
 * `{"field": ["message"]}` 400 details. Nested objects and list items report as `parent.child` and
 * `list[0].child`.
 */
import { badRequest } from './errors.js';

type Errors = Record<string, string[]>;

interface Presence {
  required?: boolean;
}

export class Fields {
  constructor(
    private readonly body: Record<string, unknown>,
    private readonly prefix = '',
    private readonly errors: Errors = {},
  ) {}

  has(key: string): boolean {
    return this.body[key] !== undefined && this.body[key] !== null;
  }

  raw(key: string): unknown {
    return this.body[key];
  }

  /** The keys the client sent, for objects whose keys are data (a schema's field names). */
  keys(): string[] {
    return Object.keys(this.body);
  }

  /** An empty `key` reports on this object itself. */
  fail(key: string, message: string): void {
    const name = key ? this.prefix + key : this.prefix.slice(0, -1);
    (this.errors[name] ??= []).push(message);
  }

  /** Throws the collected problems as a 400. */
  done(): void {
    if (Object.keys(this.errors).length > 0) throw badRequest(this.errors);
  }

  string(key: string, options: Presence & { blank?: boolean } = {}): string | undefined {
    const value = this.present(key, options);
    if (value === undefined) return undefined;
    if (typeof value !== 'string') return this.invalid(key, 'Not a valid string.');
    if (!options.blank && !value.trim()) return this.invalid(key, 'This field may not be blank.');
    return value;
  }

  integer(key: string, options: Presence & { min?: number } = {}): number | undefined {
    const value = this.present(key, options);
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value)) return this.invalid(key, 'A valid integer is required.');
    if (options.min !== undefined && value < options.min) {
      return this.invalid(key, `Ensure this value is greater than or equal to ${options.min}.`);
    }
    return value;
  }

  number(key: string, options: Presence & { positive?: boolean } = {}): number | undefined {
    const value = this.present(key, options);
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value)) return this.invalid(key, 'A valid number is required.');
    if (options.positive && value <= 0) return this.invalid(key, 'Ensure this value is greater than 0.');
    return value;
  }

  boolean(key: string): boolean | undefined {
    const value = this.present(key, {});
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') return this.invalid(key, 'Must be a valid boolean.');
    return value;
  }

  choice<T extends string>(key: string, allowed: readonly T[], options: Presence = {}): T | undefined {
    const value = this.present(key, options);
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
      return this.invalid(key, `"${String(value)}" is not a valid choice. Choose one of: ${allowed.join(', ')}.`);
    }
    return value as T;
  }

  array(key: string, options: Presence & { minLength?: number } = {}): unknown[] | undefined {
    const value = this.present(key, options);
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) return this.invalid(key, 'Expected a list of items.');
    if (options.minLength !== undefined && value.length < options.minLength) {
      return this.invalid(key, `Ensure this field has at least ${options.minLength} element${options.minLength === 1 ? '' : 's'}.`);
    }
    return value;
  }

  stringArray(key: string, options: Presence & { allowed?: readonly string[] } = {}): string[] | undefined {
    const allowed = options.allowed;
    const items = this.array(key, options);
    if (!items) return undefined;
    for (const item of items) {
      if (typeof item !== 'string') return this.invalid(key, 'Expected a list of strings.');
      if (allowed && !allowed.includes(item)) {
        return this.invalid(key, `"${item}" is not a valid choice. Choose from: ${allowed.join(', ')}.`);
      }
    }
    return items as string[];
  }

  /** A nested object's fields, reporting into the same error map. */
  object(key: string, options: Presence = {}): Fields | undefined {
    const value = this.present(key, options);
    if (value === undefined) return undefined;
    return this.nested(key, value);
  }

  /** The fields of one item of a list, or of any object found under `key`. */
  nested(key: string, value: unknown): Fields | undefined {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return this.invalid(key, 'Invalid data. Expected a JSON object.');
    }
    return new Fields(value as Record<string, unknown>, `${this.prefix}${key}.`, this.errors);
  }

  private present(key: string, options: Presence): unknown {
    const value = this.body[key];
    if (value === undefined || value === null) {
      if (options.required) this.fail(key, 'This field is required.');
      return undefined;
    }
    return value;
  }

  private invalid(key: string, message: string): undefined {
    this.fail(key, message);
    return undefined;
  }
}
