import { setOwn } from '../../core/set-own.js';

/**
 * The text of a stand-in: `<cfg.rootUrl>` for a value not given, `<image of web>` for a build
 * result of a spec that was never built.
 */
export function standInText(what: string): string {
  return `<${what}>`;
}

const STAND_IN = /<(?:(?:cfg|infra)[.[][^<>]*|(?:image|build key|image digest) of [^<>]+)>/;

/** A string that is a stand-in or was made from one (`https://<cfg.host>/`). */
export function isStandInText(value: unknown): boolean {
  return typeof value === 'string' && STAND_IN.test(value);
}

/** The kinds of stand-in a missing value can take, tried in this order. */
const SHAPES = ['string', 'array', 'object', 'number', 'boolean'] as const;

/**
 * Stand-ins for a `cfg` or `infra` that was not given, so `validate` can render a template
 * without deployment settings. Every value read from them is recorded by its path
 * (`cfg.rootUrl`), and each path's stand-in has a shape that `reshapeLast` changes when a render
 * fails on it (a `$map` needs a list, `cfg.db.host` needs an object).
 */
export class PlaceholderValues {
  private readonly shapes = new Map<string, number>();
  private accessed: string[] = [];
  private objects = false;

  /** A fresh root object for one render attempt: `root('cfg')`. */
  root(name: string): Record<string, unknown> {
    return this.object(name);
  }

  startAttempt(): void {
    this.accessed = [];
    this.objects = false;
  }

  get used(): boolean {
    return this.accessed.length > 0;
  }

  /**
   * Whether a value read in this attempt had to stand in as an object (`$merge` of a `cfg`
   * object, `cfg.db.host`): the real one may hold fields the stand-in lacks.
   */
  get objectsUsed(): boolean {
    return this.objects;
  }

  /** Changes the shape of the most recently read value that has shapes left; false if none. */
  reshapeLast(): boolean {
    for (let i = this.accessed.length - 1; i >= 0; i--) {
      const path = this.accessed[i] as string;
      let shape = (this.shapes.get(path) ?? 0) + 1;
      // A list of lists of lists… never ends: elements are never lists themselves.
      if (SHAPES[shape] === 'array' && path.endsWith(']')) shape += 1;
      if (shape < SHAPES.length) {
        this.shapes.set(path, shape);
        return true;
      }
    }
    return false;
  }

  /** The values a user should supply: leaf paths read, without list indexes, in reading order. */
  missing(): string[] {
    const paths = [...new Set(this.accessed.map((p) => p.replace(/\[\d+\]/g, '')))];
    return paths.filter((p) => !paths.some((q) => q.startsWith(p + '.')));
  }

  private valueFor(path: string): unknown {
    this.accessed.push(path);
    switch (SHAPES[this.shapes.get(path) ?? 0]) {
      case 'array':
        return [this.valueFor(`${path}[0]`)];
      case 'object':
        this.objects = true;
        return this.object(path);
      case 'number':
        return 1;
      case 'boolean':
        return true;
      default:
        return standInText(path);
    }
  }

  /**
   * An object that has every property: JSON-e tests `hasOwnProperty` before reading, so the
   * stand-in is defined on first lookup, which also keeps the Proxy invariants.
   */
  private object(prefix: string): Record<string, unknown> {
    return new Proxy({} as Record<string, unknown>, {
      getOwnPropertyDescriptor: (target, key) => {
        if (typeof key === 'string' && !Object.prototype.hasOwnProperty.call(target, key))
          setOwn(target, key, this.valueFor(`${prefix}.${key}`));
        return Reflect.getOwnPropertyDescriptor(target, key);
      },
    });
  }
}
