import fc from 'fast-check';

/**
 * The fuzz test's building blocks: the server's route table read from Fastify itself, arbitraries made from
 * the OpenAPI document's own schemas (mostly valid, with one field gone wrong, so requests get past the
 * first check and into the code behind it), and the checks every answer must pass.
 */

export interface RouteEntry {
  method: string;
  /** Fastify's form: /api/consultations/:id */
  url: string;
}

/**
 * Every route, from `printRoutes({ commonPrefix: false })`: a tree whose lines are `<indent><label> (METHODS)`,
 * each label continuing its parent's path. HEAD is left out (Fastify answers it with the GET handler).
 */
export function parseRouteTree(tree: string): RouteEntry[] {
  const routes: RouteEntry[] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^([│ ]*)(?:├── |└── )(.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = (m[1] ?? '').length / 4;
    stack.length = depth;
    stack.push(m[2] ?? '');
    if (!m[3]) continue;
    const url = stack.join('');
    for (const method of m[3].split(', ')) if (method !== 'HEAD') routes.push({ method, url });
  }
  return routes;
}

/** /api/x/:id → /api/x/{id}, the OpenAPI document's spelling. */
export const openapiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
export const pathParams = (url: string) => [...url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1] as string);

export type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  prefixItems?: JsonSchema[];
  minItems?: number;
  maxItems?: number;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  default?: unknown;
};

export const NUL = '\u0000';

/** encodeURIComponent, but a lone surrogate (which it refuses) is sent as the bytes Node would write. */
export function enc(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return [...Buffer.from(s)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
  }
}

/** Strings that have broken servers: NUL, huge, odd unicode, near-miss ids, path tricks, injection. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    NUL,
    `a${NUL}b`,
    '',
    ' ',
    'not-a-uuid',
    '00000000-0000-0000-0000-00000000000g',
    '{3b241101-e2bb-4255-8caf-4136c566a962}',
    '3b241101e2bb42558caf4136c566a962',
    '%00',
    '%',
    '%zz',
    '../../etc/passwd',
    '\r\nX-Injected: 1',
    '<script>alert(1)</script>',
    "' OR '1'='1",
    "'); DROP TABLE users; --",
    '\uD800',
    '\uFEFF',
    '😀'.repeat(300),
    'ё'.repeat(5000),
    '2024-02-30',
    '0000-00-00',
    '99999-12-31',
    '-infinity',
    'infinity',
    'NaN',
    '1e999',
    '-0',
    '__proto__',
    'constructor',
    'true',
    'null',
  ),
  fc.constant('x'.repeat(100_000)),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

/** Deeply nested arrays/objects, deeper than any request Korgon takes. */
export const deep = (depth: number, object: boolean): unknown => {
  let v: unknown = 'x';
  for (let i = 0; i < depth; i++) v = object ? { a: v } : [v];
  return v;
};

/** Any JSON value of a type a field did not ask for, and numbers at PostgreSQL's edges. */
export const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: nastyString },
  {
    weight: 3,
    arbitrary: fc.constantFrom<unknown>(
      null,
      true,
      false,
      0,
      -1,
      1.5,
      1e308,
      -1e308,
      2 ** 31,
      -(2 ** 31) - 1,
      2 ** 63,
      Number.MAX_SAFE_INTEGER + 2,
      [],
      {},
      [null],
      { '': '' },
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(deep(40, true), deep(200, true), deep(200, false), deep(3000, false)),
  },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

export interface SchemaContext {
  resolve(ref: string): JsonSchema;
  /** Ids the server has shown so far (harvested from answers): a path or a body may name a real record. */
  ids: () => string[];
}

let ctx: SchemaContext = { resolve: () => ({}), ids: () => [] };
export const useSchemaContext = (c: SchemaContext) => {
  ctx = c;
};

const uuid = fc.oneof(
  { weight: 3, arbitrary: fc.uuid({ version: 4 }) },
  {
    weight: 2,
    arbitrary: fc.constant(null).chain(() => (ctx.ids().length ? fc.constantFrom(...ctx.ids()) : fc.uuid())),
  },
);

function stringOf(schema: JsonSchema): fc.Arbitrary<string> {
  if (schema.format === 'uuid') return uuid;
  if (schema.format === 'date')
    return fc
      .date({ min: new Date('2020-01-01'), max: new Date('2030-12-31'), noInvalidDate: true })
      .map((d) => d.toISOString().slice(0, 10));
  if (schema.format === 'date-time')
    return fc
      .date({ min: new Date('2020-01-01'), max: new Date('2030-12-31'), noInvalidDate: true })
      .map((d) => d.toISOString());
  if (schema.format === 'email') return fc.emailAddress();
  if (schema.format === 'uri') return fc.webUrl();
  if (schema.pattern) {
    try {
      return fc
        .stringMatching(new RegExp(schema.pattern))
        .filter((s) => s.length >= (schema.minLength ?? 0) && s.length <= (schema.maxLength ?? 10_000));
    } catch {
      // a pattern fast-check cannot read: plain strings then
    }
  }
  return fc.string({
    unit: 'grapheme',
    minLength: schema.minLength ?? 0,
    maxLength: Math.min(schema.maxLength ?? 30, 30),
  });
}

/** A value the schema (probably) accepts. */
export function valid(schema: JsonSchema, depth = 6): fc.Arbitrary<unknown> {
  if (schema.$ref) return valid(ctx.resolve(schema.$ref), depth);
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives?.length) return fc.oneof(...alternatives.map((s) => valid(s, depth)));
  if (schema.allOf?.length)
    return fc
      .tuple(...schema.allOf.map((s) => valid(s, depth)))
      .map((parts) => Object.assign({}, ...parts.filter((p) => typeof p === 'object' && p !== null)));
  const type = Array.isArray(schema.type) ? (schema.type.find((t) => t !== 'null') ?? 'null') : schema.type;
  if (depth <= 0) return fc.constant(null);
  switch (type) {
    case 'string':
      return stringOf(schema);
    case 'integer':
      return fc.integer({
        min: Math.max(schema.minimum ?? -1000, -(2 ** 31)),
        max: Math.min(schema.maximum ?? 1000, 2 ** 31 - 1),
      });
    case 'number':
      return fc.double({
        min: schema.minimum ?? -1000,
        max: schema.maximum ?? 1000,
        noNaN: true,
        noDefaultInfinity: true,
      });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      if (schema.prefixItems) return fc.tuple(...schema.prefixItems.map((s) => valid(s, depth - 1)));
      return fc.array(schema.items ? valid(schema.items, depth - 1) : fc.jsonValue({ maxDepth: 1 }), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 3, 3),
      });
    }
    case 'object':
    case undefined: {
      if (!schema.properties) {
        if (typeof schema.additionalProperties === 'object')
          return fc.dictionary(fc.string({ maxLength: 8 }), valid(schema.additionalProperties, depth - 1), {
            maxKeys: 3,
          });
        return type === 'object' ? fc.constant({}) : fc.jsonValue({ maxDepth: 2 });
      }
      const required = new Set(schema.required ?? []);
      const props = Object.fromEntries(
        Object.entries(schema.properties).map(([k, s]) => [
          k,
          required.has(k) ? valid(s, depth - 1) : fc.option(valid(s, depth - 1), { nil: undefined }),
        ]),
      );
      return fc.record(props).map((o) => JSON.parse(JSON.stringify(o)) as unknown);
    }
    default:
      return fc.jsonValue({ maxDepth: 1 });
  }
}

/** Values of a leaf's own type that a database may refuse: huge numbers, far dates, very long text. */
const sameTypeEdge = (leaf: unknown): fc.Arbitrary<unknown> =>
  typeof leaf === 'number'
    ? fc.constantFrom(
        2 ** 31,
        -(2 ** 31) - 1,
        Number.MAX_SAFE_INTEGER,
        -Number.MAX_SAFE_INTEGER,
        1e300,
        5e-324,
        -0,
      )
    : typeof leaf === 'string'
      ? fc.constantFrom(
          'ж'.repeat(100_000),
          ' '.repeat(1000),
          '0001-01-01',
          '9999-12-31',
          '0001-01-01T00:00:00.000Z',
          '9999-12-31T23:59:59.999Z',
          '00000000-0000-0000-0000-000000000000',
          'ffffffff-ffff-ffff-ffff-ffffffffffff',
          leaf.toUpperCase(),
          `${leaf}${leaf}`,
        )
      : Array.isArray(leaf)
        ? fc.constant(Array.from({ length: 2000 }, () => leaf[0] ?? null))
        : nastyValue;

type Path = (string | number)[];
function pathsOf(v: unknown, at: Path = [], out: Path[] = []): Path[] {
  out.push(at);
  if (Array.isArray(v)) {
    for (const [i, x] of v.entries()) pathsOf(x, [...at, i], out);
  } else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) pathsOf(x, [...at, k], out);
  return out;
}
const getAt = (v: unknown, path: Path) =>
  path.reduce<unknown>((o, k) => (o as Record<string | number, unknown>)?.[k], v);

/**
 * A value close to what the schema accepts: a valid one, with (most of the time) exactly one thing gone
 * wrong at any depth: a field of the wrong type, at an edge of its own type, nested too deep, missing, or one
 * field too many.
 * One at a time, so that a request gets past the first check and into the code behind it.
 */
export function nearly(schema: JsonSchema, depth = 6): fc.Arbitrary<unknown> {
  const mutation = fc.tuple(
    fc.nat(),
    fc.constantFrom('wrong', 'edge', 'edge', 'delete', 'extra', 'deep'),
    nastyValue,
    nastyString,
  );
  // fc.option's nil comes one time in `freq`: three requests in four carry a mutation.
  return fc.tuple(valid(schema, depth), fc.option(mutation, { freq: 4 })).chain(([value, m]) => {
    if (!m) return fc.constant(value);
    const [pick, kind, nasty, extraKey] = m;
    // The whole value is replaced only when it has no parts: the rest of the request stays valid.
    const all = pathsOf(value);
    const paths = all.length > 1 ? all.slice(1) : all;
    const path = paths[pick % paths.length] as Path;
    const leaf = getAt(value, path);
    const replaced =
      kind === 'edge'
        ? sameTypeEdge(leaf)
        : kind === 'deep'
          ? fc.constantFrom(deep(40, true), deep(40, false))
          : fc.constant(nasty);
    return replaced.map((edge) => {
      const copy: unknown = JSON.parse(JSON.stringify(value ?? null));
      if (path.length === 0) return kind === 'delete' || kind === 'extra' ? nasty : edge;
      const parent = getAt(copy, path.slice(0, -1)) as Record<string | number, unknown>;
      const key = path[path.length - 1] as string | number;
      if (kind === 'delete' && !Array.isArray(parent)) delete parent[key];
      else if (kind === 'extra' && !Array.isArray(parent)) parent[extraKey.slice(0, 40)] = nasty;
      else parent[key] = edge;
      return copy;
    });
  });
}

/** Request bodies as bytes on the wire: JSON of a value, broken JSON, or not JSON at all. */
export function rawBody(schema: JsonSchema | undefined): fc.Arbitrary<{ type?: string; text: string }> {
  const json = 'application/json';
  return fc.oneof(
    {
      weight: 14,
      arbitrary: (schema ? nearly(schema) : nastyValue).map((v) => ({
        type: json,
        text: JSON.stringify(v) ?? 'null',
      })),
    },
    { weight: 2, arbitrary: nastyValue.map((v) => ({ type: json, text: JSON.stringify(v) ?? 'null' })) },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(
          '{',
          '{"a":1,}',
          "{'a':1}",
          'undefined',
          'NaN',
          '1e99999',
          NUL,
          '{"a":"\\u0000"}',
          '{"a\\u0000":1}',
          '{"__proto__":{"isAdmin":true}}',
          '{"constructor":{"prototype":{"x":1}}}',
          '\uFEFF{}',
          '',
          ' ',
          '[]'.repeat(3),
          `${'['.repeat(5000)}${']'.repeat(5000)}`,
          `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`,
          '"\\ud800"',
          '{"a":"\\x00"}',
        )
        .map((text) => ({ type: json, text })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.constantFrom(
            'text/plain',
            'application/x-www-form-urlencoded',
            'multipart/form-data; boundary=x',
            'application/xml',
            'application/json; charset=utf-16',
            'application/json; charset=latin1',
            'application/jsonx',
            undefined,
          ),
          fc.constantFrom(
            'a=1&b=2',
            '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--',
            '<a/>',
            '{}',
          ),
        )
        .map(([type, text]) => ({ type, text })),
    },
  );
}

/** A path parameter's text as it is written in the URL (already encoded, or deliberately broken). */
export function pathSegment(schema: JsonSchema | undefined): fc.Arbitrary<string> {
  return fc.oneof(
    {
      weight: 3,
      arbitrary: (schema ? nearly(schema, 1) : uuid).map((v) =>
        enc(typeof v === 'string' ? v : (JSON.stringify(v) ?? '')),
      ),
    },
    { weight: 5, arbitrary: uuid },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        '%00',
        '%',
        '%zz',
        '%2F',
        '..',
        '%2e%2e',
        'a%00b',
        '%C0%AF',
        '%FF',
        'x'.repeat(5000),
        '%E2%80%AE',
      ),
    },
  );
}

/** A query string from the route's documented parameters, with duplicates, extras and broken encodings. */
export function queryString(params: { name: string; schema: JsonSchema }[]): fc.Arbitrary<string> {
  const one = (name: string, schema: JsonSchema) =>
    fc.oneof(
      {
        weight: 6,
        arbitrary: nearly(schema, 1).map((v) => [
          `${enc(name)}=${enc(typeof v === 'string' ? v : (JSON.stringify(v) ?? ''))}`,
        ]),
      },
      // Repeated: the parser gives an array where a string was expected.
      {
        weight: 1,
        arbitrary: fc
          .tuple(valid(schema, 1), valid(schema, 1))
          .map(([a, b]) => [`${name}=${enc(String(a))}`, `${name}=${enc(String(b))}`]),
      },
      {
        weight: 1,
        arbitrary: fc.constantFrom([`${name}=%00`], [`${name}=%`], [`${name}[a]=1`], [name], [`${name}=`]),
      },
      { weight: 2, arbitrary: fc.constant([] as string[]) },
    );
  return fc
    .tuple(
      fc.tuple(...params.map((p) => one(p.name, p.schema))),
      // Sometimes (one in four) a parameter the route does not take.
      fc.oneof(
        { weight: 3, arbitrary: fc.constant(null) },
        fc.tuple(nastyString, nastyString).map(([k, v]) => `${enc(k.slice(0, 50))}=${enc(v)}`),
      ),
    )
    .map(([parts, extra]) => {
      const all = [...parts.flat(), ...(extra ? [extra] : [])];
      return all.length ? `?${all.join('&')}` : '';
    });
}

/** What must never be in an answer: a stack frame, a source path, or PostgreSQL's words. */
const LEAKS: [string, RegExp][] = [
  ['a stack frame', /\bat (?:async )?\S+ \((?:file:|node:|\/)|\n\s+at \S+ \(|^\s*at \S+ \(/m],
  ['a source path', /\.(?:ts|js|mjs|cjs):\d+(?::\d+)?\b|\/node_modules\/|\/work\/|file:\/\//],
  ['SQL text', /\b(?:SELECT|INSERT INTO|DELETE FROM|RETURNING)\b|\bUPDATE \w+ SET\b/],
  [
    'a PostgreSQL error',
    /syntax error|violates|relation "|column "|invalid input syntax|out of range for type|duplicate key|SQLSTATE|unterminated|invalid byte sequence/i,
  ],
];

export function leakIn(body: string): string | null {
  for (const [what, re] of LEAKS) {
    const m = re.exec(body);
    if (m) return `${what} (${JSON.stringify(body.slice(Math.max(0, m.index - 60), m.index + 80))})`;
  }
  return null;
}
