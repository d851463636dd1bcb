/**
 * Schema validation of requests. Bodies are checked strictly (no type coercion: `{"user": 5}` is an
 * error, not "5"); query strings and path parameters are text on the wire, so they are coerced.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';

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
