/**
 * Schema validation of requests. Bodies are checked strictly (no type coercion: `{"user": 5}` is an
 * error, not "5"); query strings and path parameters are text on the wire, so they are coerced.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';
import { invalid } from '../chat/errors.ts';

const strict = new Ajv({ allErrors: false, coerceTypes: false, useDefaults: true, removeAdditional: false, strict: false });
const coercing = new Ajv({ allErrors: false, coerceTypes: 'array', useDefaults: true, removeAdditional: false, strict: false });

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? strict : coercing;
  return ajv.compile(schema as object) as ValidateFunction;
};

/** Turns Fastify's validation error into "field: problem", naming the offending field. */
export function describeValidation(
  validation: ReadonlyArray<{ instancePath: string; keyword: string; message?: string; params: Record<string, unknown> }>,
  context: string | undefined,
): string {
  const first = validation[0];
  if (!first) return 'invalid request';
  let field = first.instancePath.replace(/^\//, '').replaceAll('/', '.');
  if (first.keyword === 'required') field = [field, String(first.params.missingProperty)].filter(Boolean).join('.');
  if (first.keyword === 'additionalProperties') field = [field, String(first.params.additionalProperty)].filter(Boolean).join('.');
  const where = field || context || 'request';
  const problem = first.keyword === 'required' ? 'is required' : first.keyword === 'additionalProperties' ? 'is not allowed' : first.message ?? 'is invalid';
  return `${where} ${problem}`;
}

/**
 * The first field holding U+0000 in a key or string value, or undefined. PostgreSQL text cannot store
 * it (a DatabaseError, so a 500), so the chat API refuses it on every engine alike. Iterative: a body
 * may nest thousands of levels deep.
 */
export function fieldWithNul(value: unknown, root: string): string | undefined {
  const stack: Array<[unknown, string]> = [[value, root]];
  while (stack.length > 0) {
    const [v, at] = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return at;
    } else if (typeof v === 'object' && v !== null) {
      for (const [key, child] of Object.entries(v)) {
        const path = `${at}.${key}`;
        if (key.includes('\u0000')) return path;
        stack.push([child, path]);
      }
    }
  }
  return undefined;
}

/** Refuses a chat request with U+0000 anywhere in its path parameters, query or parsed body (1001, naming the field). */
export function refuseNul(req: { params?: unknown; query?: unknown; body?: unknown }): void {
  for (const part of [req.params, req.query, req.body]) {
    const field = fieldWithNul(part, '');
    if (field !== undefined) throw invalid(`${field.replace(/^\./, '').replaceAll('\u0000', '\\0') || 'body'} must not contain NUL characters`);
  }
}
